package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.bench.TrainerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier: plain unit. The scenario report draws each version's top-1 over the labels joined since the last sample, not
 * its running total, so a drift shows as the fall it is.
 */
class ScenarioTimelineTest {

    private static TrainerStatus live(String figures) throws Exception {
        return new TrainerStatus(new ObjectMapper().readTree("{\"live\":" + figures + "}"));
    }

    @Test
    void eachPointIsTheTopOneOfTheLabelsSinceTheLastSample() throws Exception {
        ScenarioTimeline timeline = new ScenarioTimeline(System.nanoTime());
        timeline.sample(live("{\"2\":{\"labelled\":100,\"top1\":0.8}}"));
        // 100 more labels, 20 of them right: 100 of 200 right in all, 0.2 since the last sample
        timeline.sample(live("{\"2\":{\"labelled\":200,\"top1\":0.5},\"3\":{\"labelled\":10,\"top1\":1.0}}"));
        // too few new labels for a point: version 3 waits until it has 20
        timeline.sample(live("{\"2\":{\"labelled\":210,\"top1\":0.5},\"3\":{\"labelled\":30,\"top1\":0.5}}"));

        assertThat(timeline.points())
                .extracting(ScenarioTimeline.Point::version, ScenarioTimeline.Point::labelled)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, 100L),
                        org.assertj.core.groups.Tuple.tuple(2L, 100L),
                        org.assertj.core.groups.Tuple.tuple(3L, 30L));
        assertThat(timeline.points().get(0).top1()).isEqualTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(timeline.points().get(1).top1()).isEqualTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(timeline.points().get(2).top1()).isEqualTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void theReportMarksEveryEventAndEscapesItsText(@TempDir Path dir) throws Exception {
        ScenarioTimeline timeline = new ScenarioTimeline(System.nanoTime());
        timeline.sample(live("{\"2\":{\"labelled\":100,\"top1\":0.8}}"));
        timeline.event("force-promote of version 3 <release manager>");
        timeline.event("automatic rollback of version 3 to 2");

        Path report = dir.resolve("report.html");
        timeline.writeHtml(report, "scenario");

        String html = Files.readString(report);
        assertThat(html)
                .contains("force-promote of version 3 &lt;release manager&gt;", "automatic rollback of version 3 to 2")
                .contains("version 2")
                .doesNotContain("<release manager>");
        assertThat(html.split("stroke-dasharray", -1)).hasSize(3);
    }
}
