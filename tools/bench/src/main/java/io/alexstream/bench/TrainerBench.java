package io.alexstream.bench;

import io.alexstream.auth.BearerCredentials;
import io.alexstream.kafka.EmbeddedKafka;
import io.alexstream.local.ServiceProcess;
import io.alexstream.proto.v1.ModelRegistryGrpc;
import io.alexstream.proto.v1.RollbackRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The trainer part: the packaged trainer syncs the worker to the version in its store (the cold push), trains one
 * round on the labeled images with the bare engine's training measured just before and just after it, and then
 * times the operator's rollback to version 1 (the same push between warm JVMs).
 */
final class TrainerBench {

    private TrainerBench() {}

    static TrainerFigures run(
            BenchServices services,
            HttpClient http,
            EmbeddedKafka kafka,
            TrainerRun run,
            int port,
            ServiceProcess worker,
            BareSettings bare,
            String operatorToken)
            throws Exception {
        // encoded now: encoding them while the round ran took the trainer's CPU
        List<BenchImages.LabeledImage> labeled = BenchImages.labeled(run);
        try (ServiceProcess trainer = services.trainer(port, run, worker, operatorToken)) {
            trainer.awaitReady(Duration.ofSeconds(180));
            // at start the trainer syncs the listed worker to its current version (the worker pulls it)
            TrainerStatus status = TrainerStatus.await(http, trainer, TrainerStatus::aPushSucceeded, "the push");
            double pushSeconds = status.lastPushSeconds();
            double trainBefore = BareSettings.beside(
                    "training images/s before the round", bare::trainImagesPerSecond, trainer.pid(), worker.pid());
            double[] roundCpuBefore = CpuMeter.cpuSeconds(trainer.pid(), worker.pid());
            long roundStarted = System.nanoTime();
            BenchImages.produceLabeled(kafka, labeled);
            status = TrainerStatus.await(http, trainer, TrainerStatus::hasRound, "a training round");
            double[] roundCpu = CpuMeter.cpuSince(roundCpuBefore, trainer.pid(), worker.pid());
            System.out.printf(
                    Locale.ROOT,
                    "  CPU seconds from the first labeled image to the round's end (%.1f s): "
                            + "trainer %.1f, worker %.1f, this process (broker, producer, status polls) %.1f%n",
                    (System.nanoTime() - roundStarted) / 1e9,
                    roundCpu[0],
                    roundCpu[1],
                    roundCpu[2]);
            // a round that beat the serving version pushes it; the engine is measured after that push settled
            awaitRolloutEnd(http, trainer);
            Reference reference = new Reference(
                    trainBefore,
                    BareSettings.beside(
                            "training images/s after the round",
                            bare::trainImagesPerSecond,
                            trainer.pid(),
                            worker.pid()));
            // the same size of artifact again, now that both JVMs are warm: the operator's rollback to version 1
            double warmPushSeconds = rollBackAndTimePush(http, trainer, operatorToken);
            return new TrainerFigures(
                    pushSeconds,
                    warmPushSeconds,
                    status.roundImagesPerSecond(),
                    status.steadyImagesPerSecond(),
                    (int) Math.round(status.trainingSteps()),
                    reference);
        }
    }

    /** The operator's rollback to version 1, and the trainer's time for the push it causes. */
    private static double rollBackAndTimePush(HttpClient http, ServiceProcess trainer, String operatorToken)
            throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", trainer.port())
                .usePlaintext()
                .build();
        try {
            ModelRegistryGrpc.newBlockingStub(channel)
                    .withCallCredentials(new BearerCredentials(operatorToken))
                    .withDeadlineAfter(5, TimeUnit.MINUTES)
                    .rollback(RollbackRequest.newBuilder().setVersion(1).build());
        } finally {
            channel.shutdownNow();
        }
        TrainerStatus status =
                TrainerStatus.await(http, trainer, s -> s.aWorkerServes(1) && s.aPushSucceeded(), "the rollback push");
        return status.lastPushSeconds();
    }

    /** Waits until the trainer is idle and not rolling out, then for the worker's copy of a pushed version to disk. */
    private static void awaitRolloutEnd(HttpClient http, ServiceProcess trainer) throws Exception {
        TrainerStatus.await(http, trainer, TrainerStatus::idleAndNotRollingOut, "the round's rollout to end");
        Thread.sleep(5000);
    }
}
