package io.alexstream.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The evaluator's totals as meters and status: per version, serving against previous, outcomes over tasks. */
class LiveFiguresTest {

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final AtomicLong serving = new AtomicLong(3);
    private final LiveFigures live = new LiveFigures(metrics, serving::get);

    @Test
    void versionsGetGaugesAndTheServingOneIsComparedWithThePreviousOne() {
        live.figures(figures(2, 4, 3)); // 3 of 4 right
        live.figures(figures(3, 2, 1)); // 1 of 2 right
        live.figures(figures(3, 4, 1)); // an update replaces the figures, it adds nothing

        assertThat(metrics.get("alexstream.evaluation.top1")
                        .tag("version", "2")
                        .gauge()
                        .value())
                .isEqualTo(0.75);
        assertThat(metrics.get("alexstream.evaluation.labelled")
                        .tag("version", "3")
                        .gauge()
                        .value())
                .isEqualTo(4);
        assertThat(metrics.get("alexstream.evaluation.serving.top1").gauge().value())
                .isEqualTo(0.25);
        assertThat(metrics.get("alexstream.evaluation.previous.top1").gauge().value())
                .isEqualTo(0.75);
        assertThat(live.status()).containsOnlyKeys("2", "3");
        assertThat(live.status().get("3")).containsEntry("labelled", 4L).containsEntry("top1", 0.25);

        serving.set(2); // rolled back: nothing older has figures
        assertThat(metrics.get("alexstream.evaluation.previous.top1").gauge().value())
                .isNaN();
    }

    @Test
    void outcomeTotalsAddUpOverTasksAndARepeatedTotalCountsOnce() {
        live.outcome(Outcome.LABEL_JOINED, "0_0", 2);
        live.outcome(Outcome.LABEL_JOINED, "0_1", 5);
        live.outcome(Outcome.LABEL_JOINED, "0_0", 2); // the same total again (a retried transaction)

        assertThat(live.count(Outcome.LABEL_JOINED)).isEqualTo(7);
        assertThat(metrics.get("alexstream.evaluation.labels")
                        .tag("outcome", "joined")
                        .functionCounter()
                        .count())
                .isEqualTo(7);
        assertThat(metrics.get("alexstream.evaluation.predictions")
                        .tag("outcome", "malformed")
                        .functionCounter()
                        .count())
                .isZero();
    }

    private static VersionFigures figures(long version, int labelled, int right) {
        VersionFigures figures = new VersionFigures(version, 10);
        for (int i = 0; i < labelled; i++) {
            figures.add(1, new int[] {i < right ? 1 : 2}, 0.9, 0);
        }
        return figures;
    }
}
