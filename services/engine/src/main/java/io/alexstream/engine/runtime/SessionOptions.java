package io.alexstream.engine.runtime;

import java.util.OptionalInt;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * How a session is placed and threaded.
 *
 * @param gpuIndex           the one GPU this session may see (CUDA index), or empty for CPU
 * @param intraOpThreads     threads inside one op (0 = TensorFlow's choice: one per core)
 * @param interOpThreads     ops run concurrently (0 = TensorFlow's choice)
 * @param bfloat16           opt-in: let oneDNN run convolutions and matmuls in bfloat16 on CPUs
 *                           that have it (grappler's auto mixed precision); fp32 otherwise
 */
public record SessionOptions(OptionalInt gpuIndex, int intraOpThreads, int interOpThreads, boolean bfloat16) {

    public SessionOptions {
        if (gpuIndex.isPresent() && gpuIndex.getAsInt() < 0) {
            throw new IllegalArgumentException("gpuIndex must be >= 0, got " + gpuIndex.getAsInt());
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0");
        }
    }

    public static SessionOptions cpu() {
        return new SessionOptions(OptionalInt.empty(), 0, 0, false);
    }

    public static SessionOptions gpu(int index) {
        return new SessionOptions(OptionalInt.of(index), 0, 0, false);
    }

    public SessionOptions withThreads(int intraOp, int interOp) {
        return new SessionOptions(gpuIndex, intraOp, interOp, bfloat16);
    }

    public SessionOptions withBfloat16(boolean enabled) {
        return new SessionOptions(gpuIndex, intraOpThreads, interOpThreads, enabled);
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
        if (bfloat16) {
            builder.setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
                    RewriterConfig.newBuilder().setAutoMixedPrecisionMkl(RewriterConfig.Toggle.ON)));
        }
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
