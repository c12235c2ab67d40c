package io.alexstream.bench;

import io.alexstream.engine.runtime.SessionOptions;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The machine's fp32 ceiling as TensorFlow reaches it: the best of N runs of one 4096^3 matmul, fed from variables
 * so no copy is timed. Every engine figure of the bench is a ratio against it.
 */
final class MatmulCeiling {

    static final int MATMUL_N = 4096;

    private MatmulCeiling() {}

    /** GFLOP/s of the best of {@code runs} timed matmuls (after one untimed). */
    static double gflops(SessionOptions options, int runs) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Shape shape = Shape.of(MATMUL_N, MATMUL_N);
            Variable<TFloat32> a = tf.variable(shape, TFloat32.class);
            Variable<TFloat32> b = tf.variable(shape, TFloat32.class);
            Placeholder<TFloat32> value = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
            var initA = tf.assign(a, value);
            var initB = tf.assign(b, value);
            var product = tf.linalg.matMul(a, b);
            var checksum = tf.reduceSum(product, tf.constant(new int[] {0, 1}));
            try (Session session = new Session(graph, options.toConfigProto())) {
                float[] data = new float[MATMUL_N * MATMUL_N];
                Random random = new Random(2);
                for (int i = 0; i < data.length; i++) {
                    data[i] = random.nextFloat() - 0.5f;
                }
                try (TFloat32 tensor = TFloat32.tensorOf(shape, DataBuffers.of(data, true, false))) {
                    session.runner()
                            .feed(value, tensor)
                            .addTarget(initA)
                            .addTarget(initB)
                            .run()
                            .close();
                }
                double best = Double.MAX_VALUE;
                for (int r = 0; r < runs + 1; r++) {
                    long t0 = System.nanoTime();
                    try (Result result = session.runner().fetch(checksum).run()) {
                        ((TFloat32) result.get(0)).getFloat();
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (r > 0) {
                        best = Math.min(best, seconds);
                    }
                }
                return 2.0 * MATMUL_N * MATMUL_N * (double) MATMUL_N / best / 1e9;
            }
        }
    }
}
