package io.alexstream.bench;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.local.FileTrees;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs ingest -> Kafka -> worker -> predictions, gRPC Classify and the trainer with the bench model's weights
 * (written to a work directory the packaged services load), after the in-process model is idle, so the services
 * get the whole machine as the bare engine did. The work directory keeps only the services' logs afterwards.
 */
final class PipelineRun {

    private PipelineRun() {}

    static void run(AlexNetModel model, BareSettings bare, BenchOptions options, Map<String, Object> figures)
            throws Exception {
        AlexNetConfig config = model.config();
        Path work = Files.createTempDirectory("alexstream-bench-");
        Path weights = work.resolve(config.profile() + ".alxw");
        write(model, new WeightsMetadata(1, null, Instant.now().toString(), Map.of(), Map.of(), List.of()), weights);
        TrainerRun trainerRun = null;
        if (options.trainerImages() > 0) {
            // version 2 waits in the trainer's store; the trainer pushes it to the worker (serving 1) when it starts;
            // version 1 is there too, for the operator's rollback that times a second push between warm JVMs
            Path versions = Files.createDirectories(work.resolve("trainer/versions"));
            Files.copy(weights, versions.resolve("v000001.alxw"));
            write(
                    model,
                    new WeightsMetadata(2, 1L, Instant.now().toString(), Map.of(), Map.of(), List.of()),
                    versions.resolve("v000002.alxw"));
            trainerRun = new TrainerRun(versions, options.trainerImages(), config.numClasses());
        }
        System.out.printf(
                Locale.ROOT,
                "Kafka path: broker, packaged ingest and worker (logs in %s; the rest of it is "
                        + "deleted at the end) ...%n",
                work);
        PipelineFigures found = PipelineBench.run(
                options.root(),
                work,
                weights,
                config.profile(),
                options.pipelineImages(),
                options.grpcCalls(),
                trainerRun,
                bare);
        PipelineReport.report(found, figures);
        if (trainerRun != null) {
            PipelineReport.reportTrainer(
                    found.trainer(),
                    Files.size(trainerRun.seededVersions().resolve("v000002.alxw")),
                    config.profile(),
                    figures);
        }
        // the broker's log, the worker's state and the trainer's versions hold about 1 GB per run; the logs stay
        try (var entries = Files.list(work)) {
            for (Path entry : entries.filter(p -> !p.getFileName().toString().endsWith(".log"))
                    .toList()) {
                FileTrees.delete(entry);
            }
        }
    }

    private static void write(AlexNetModel model, WeightsMetadata metadata, Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            WeightsCodec.write(model.export(metadata), out);
        }
    }
}
