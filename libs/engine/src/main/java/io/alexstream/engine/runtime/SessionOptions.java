package io.alexstream.engine.runtime;

import java.util.Objects;
import java.util.OptionalInt;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * How a session is placed and threaded.
 *
 * @param gpuIndex           the one GPU this session may see (CUDA index), or empty for CPU
 * @param intraOpThreads     threads inside one op (0 = TensorFlow's choice: one per core; {@link #cpu()} takes
 *                           {@link #cpuIntraOpThreads()})
 * @param interOpThreads     ops run concurrently (0 = TensorFlow's choice)
 * @param precision          the numbers inference computes with ({@link Precision}); training is always fp32
 */
public record SessionOptions(OptionalInt gpuIndex, int intraOpThreads, int interOpThreads, Precision precision) {

    public SessionOptions {
        if (gpuIndex.isPresent() && gpuIndex.getAsInt() < 0) {
            throw new IllegalArgumentException("gpuIndex must be >= 0, got " + gpuIndex.getAsInt());
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0");
        }
        Objects.requireNonNull(precision, "precision");
    }

    /** A CPU session with {@link #cpuIntraOpThreads()} threads inside each op and TensorFlow's choice between ops. */
    public static SessionOptions cpu() {
        return new SessionOptions(OptionalInt.empty(), cpuIntraOpThreads(), 0, Precision.FP32);
    }

    /**
     * Twice as many intra-op threads as cores. A service never has the cores to itself: Kafka clients, HTTP, JIT and
     * GC threads take slices of them. With one thread per core, every op waits for the shard of a preempted thread;
     * with more, smaller shards the other cores take over its work: 6-8% faster beside a light load, at most 4%
     * slower alone (docs/engine.md, Devices).
     */
    public static int cpuIntraOpThreads() {
        return 2 * Runtime.getRuntime().availableProcessors();
    }

    public static SessionOptions gpu(int index) {
        return new SessionOptions(OptionalInt.of(index), 0, 0, Precision.FP32);
    }

    public SessionOptions withThreads(int intraOp, int interOp) {
        return new SessionOptions(gpuIndex, intraOp, interOp, precision);
    }

    public SessionOptions withPrecision(Precision newPrecision) {
        return new SessionOptions(gpuIndex, intraOpThreads, interOpThreads, newPrecision);
    }

    /**
     * The ConfigProto given to the Session constructor (run options do not carry device
     * settings). A pinned session sees only its GPU, as device 0, and grows its memory on
     * demand so several processes can share a card during a rollout.
     */
    public ConfigProto toConfigProto() {
        ConfigProto.Builder builder = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(interOpThreads)
                .setAllowSoftPlacement(true);
        if (gpuIndex.isPresent()) {
            builder.setGpuOptions(GPUOptions.newBuilder()
                    .setVisibleDeviceList(Integer.toString(gpuIndex.getAsInt()))
                    .setAllowGrowth(true));
        } else {
            builder.putDeviceCount("GPU", 0);
        }
        return builder.build();
    }
}
