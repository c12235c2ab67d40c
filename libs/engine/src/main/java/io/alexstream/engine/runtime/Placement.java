package io.alexstream.engine.runtime;

import org.jboss.logging.Logger;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Where a session really runs. TensorFlow falls back to the CPU silently when the requested
 * GPU is missing (soft placement), so the engine asks: it places a probe op on GPU:0 with
 * soft placement off and sees whether the run succeeds.
 *
 * @param device      "cpu" or "gpu:N" (N = the configured CUDA index)
 * @param explanation why, in words, for the log
 */
public record Placement(String device, String explanation) {

    private static final Logger LOG = Logger.getLogger(Placement.class);

    public boolean onGpu() {
        return device.startsWith("gpu");
    }

    public static Placement detect(SessionOptions options) {
        if (options.gpuIndex().isEmpty()) {
            return log(new Placement("cpu", "no GPU requested"));
        }
        int index = options.gpuIndex().getAsInt();
        ConfigProto strict =
                options.toConfigProto().toBuilder().setAllowSoftPlacement(false).build();
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            tf.withDevice(org.tensorflow.DeviceSpec.newBuilder()
                            .deviceType(org.tensorflow.DeviceSpec.DeviceType.GPU)
                            .deviceIndex(0)
                            .build())
                    .withName("probe")
                    .math
                    .add(tf.constant(1f), tf.constant(1f));
            try (Session session = new Session(graph, strict);
                    var result = session.runner().fetch("probe").run()) {
                ((TFloat32) result.get(0)).getFloat();
                return log(new Placement("gpu:" + index, "pinned to CUDA device " + index));
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return log(new Placement(
                    "cpu", "GPU " + index + " requested but not usable (" + firstLine(e) + "); running on CPU"));
        }
    }

    private static Placement log(Placement placement) {
        LOG.infof("TensorFlow session device: %s (%s)", placement.device(), placement.explanation());
        return placement;
    }

    private static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
