package io.alexstream.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * Chooses the inference precision for {@code auto}: bfloat16 only on a CPU that computes it natively (AVX-512 BF16 or
 * AMX) and only where it measures faster, timed on this machine on two of AlexNet's own shapes (conv3 and fc6 at
 * batch 1's ten crops), fp32 and bf16 in turns. Everywhere else, and on a GPU, fp32.
 *
 * @param precision the choice
 * @param reason    why, in words, for the log
 */
public record PrecisionChoice(Precision precision, String reason) {

    private static final Logger LOG = Logger.getLogger(PrecisionChoice.class);

    /** bfloat16 must take at most this share of fp32's time: a smaller gain is within the machine's noise. */
    static final double REQUIRED_SPEEDUP = 0.9;

    private static final int ROUNDS = 5;
    private static final Set<String> NATIVE_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    /** {@code setting} is auto, fp32 or bf16; a fixed setting is taken as it is. */
    public static PrecisionChoice choose(String setting, SessionOptions options) {
        if (!setting.trim().equalsIgnoreCase("auto")) {
            return log(new PrecisionChoice(Precision.parse(setting), "set by configuration"));
        }
        if (options.gpuIndex().isPresent()) {
            return log(new PrecisionChoice(Precision.FP32, "auto: a GPU session keeps fp32"));
        }
        if (!nativeBfloat16()) {
            return log(new PrecisionChoice(Precision.FP32, "auto: this CPU has no native bfloat16"));
        }
        double fp32 = 0;
        double bf16 = 0;
        try (Probe f = new Probe(options, TFloat32.class);
                Probe b = new Probe(options, TBfloat16.class)) {
            double[] f32 = new double[ROUNDS];
            double[] b16 = new double[ROUNDS];
            f.seconds();
            b.seconds();
            for (int r = 0; r < ROUNDS; r++) {
                f32[r] = f.seconds();
                b16[r] = b.seconds();
            }
            fp32 = median(f32);
            bf16 = median(b16);
        } catch (RuntimeException e) {
            return log(new PrecisionChoice(Precision.FP32, "auto: the bfloat16 probe failed (" + e.getMessage() + ")"));
        }
        String timing = String.format(
                java.util.Locale.ROOT, "conv3 + fc6 at 10 crops: fp32 %.1f ms, bf16 %.1f ms", fp32 * 1e3, bf16 * 1e3);
        return bf16 <= REQUIRED_SPEEDUP * fp32
                ? log(new PrecisionChoice(Precision.BF16, "auto: measured faster, " + timing))
                : log(new PrecisionChoice(Precision.FP32, "auto: bfloat16 not measured faster, " + timing));
    }

    /** Whether this machine's CPU computes bfloat16 natively (AVX-512 BF16 or AMX). */
    public static boolean nativeBfloat16() {
        return nativeBfloat16(cpuFlags());
    }

    /** Whether {@code /proc/cpuinfo}'s flags name a native bfloat16 instruction set. */
    static boolean nativeBfloat16(List<String> flags) {
        return flags.stream().anyMatch(NATIVE_FLAGS::contains);
    }

    private static List<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l ->
                            Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
                    .orElse(List.of());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static PrecisionChoice log(PrecisionChoice choice) {
        LOG.infof("inference precision: %s (%s)", choice.precision().label(), choice.reason());
        return choice;
    }

    /** conv3 (13x13x256 to 384, 3x3) and fc6 (9216 to 4096) on ten crops of random values, in one type. */
    private static final class Probe implements AutoCloseable {
        private final Graph graph = new Graph();
        private final Session session;

        <T extends TNumber> Probe(SessionOptions options, Class<T> type) {
            Ops tf = Ops.create(graph);
            Operand<T> maps = random(tf, type, 10, 13, 13, 256);
            Operand<T> filter = random(tf, type, 3, 3, 256, 384);
            Operand<T> conv = tf.nn.conv2d(maps, filter, List.of(1L, 1L, 1L, 1L), "SAME");
            Operand<T> fc = tf.linalg.matMul(random(tf, type, 10, 9216), random(tf, type, 9216, 4096));
            // fetched, so that neither layer is pruned as unused
            Operand<TFloat32> sum = tf.math.add(
                    tf.dtypes.cast(tf.reduceSum(conv, tf.constant(new int[] {0, 1, 2, 3})), TFloat32.class),
                    tf.dtypes.cast(tf.reduceSum(fc, tf.constant(new int[] {0, 1})), TFloat32.class));
            tf.withName("probe").identity(sum);
            session = new Session(graph, options.toConfigProto());
        }

        private static <T extends TNumber> Operand<T> random(Ops tf, Class<T> type, long... shape) {
            // a variable initialised once, so each run times the layer and not the random numbers
            var value = tf.dtypes.cast(tf.random.randomUniform(tf.constant(Shape.of(shape)), TFloat32.class), type);
            return tf.variable(value);
        }

        double seconds() {
            long started = System.nanoTime();
            session.runner().fetch("probe").run().close();
            return (System.nanoTime() - started) / 1e9;
        }

        @Override
        public void close() {
            session.close();
            graph.close();
        }
    }
}
