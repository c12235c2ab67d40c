package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit. What fails a chaos run: a loss, a worker left behind, a leaked secret, a duplicate in exactly-once
 * mode.
 */
class ChaosReportTest {

    private static Map<String, Object> clean() {
        Map<String, Object> report = new HashMap<>();
        report.put("lost", 0);
        report.put("converged", true);
        report.put("exactly_once", false);
        report.put("duplicates", 3);
        report.put("secrets_leaked", 0);
        return report;
    }

    @Test
    void eachFailureClassFailsTheRun() {
        assertThat(ChaosReport.exitCode(clean()))
                .as("duplicates are allowed at least once")
                .isZero();
        Map<String, Object> lost = clean();
        lost.put("lost", 1);
        assertThat(ChaosReport.exitCode(lost)).isEqualTo(1);
        Map<String, Object> diverged = clean();
        diverged.put("converged", false);
        assertThat(ChaosReport.exitCode(diverged)).isEqualTo(1);
        Map<String, Object> leaked = clean();
        leaked.put("secrets_leaked", 1);
        assertThat(ChaosReport.exitCode(leaked)).isEqualTo(1);
        Map<String, Object> duplicated = clean();
        duplicated.put("exactly_once", true);
        assertThat(ChaosReport.exitCode(duplicated)).isEqualTo(1);
    }
}
