package io.alexstream.trainer;

import io.alexstream.auth.BearerTokens;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.WeightsCodec;
import io.alexstream.engine.weights.WeightsMetadata;
import io.alexstream.kafka.EmbeddedKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A real KRaft broker with the labeled topic, and a trainer data directory that already holds
 * versions 1 and 2 (small profile), as a trainer that has been running for a while would.
 */
public class TrainerTestResources implements QuarkusTestResourceLifecycleManager {

    static final String WORKER_TOKEN = BearerTokens.generate();
    static final String OPERATOR_TOKEN = BearerTokens.generate();
    static final String TRAINER_TOKEN = BearerTokens.generate();

    private EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("alexstream-trainer-test");
            kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
            kafka.createTopics(Map.of("images.labeled", 1));
            Path versions = Files.createDirectories(dir.resolve("trainer/versions"));
            AlexNetConfig config = Profiles.small();
            try (AlexNetModel model = AlexNetModel.create(config, SessionOptions.cpu())) {
                float[] mean = new float[config.scaleSize() * config.scaleSize() * 3];
                Arrays.fill(mean, 90f);
                for (int version = 1; version <= 2; version++) {
                    model.initialize(version, mean);
                    try (OutputStream out = Files.newOutputStream(versions.resolve(String.format("v%06d.alxw", version)))) {
                        WeightsCodec.write(model.export(new WeightsMetadata(version, version == 1 ? null : 1L, "2026-11-27T00:00:00Z",
                                Map.of("top1", 0.5 + version / 10.0), Map.of(), List.of())), out);
                    }
                }
            }
            return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "alexstream.trainer.data-dir", dir.resolve("trainer").toString(),
                    "alexstream.auth.worker-token", WORKER_TOKEN,
                    "alexstream.auth.operator-token", OPERATOR_TOKEN,
                    "alexstream.auth.trainer-token", TRAINER_TOKEN);
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare the trainer test environment", e);
        }
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }
}
