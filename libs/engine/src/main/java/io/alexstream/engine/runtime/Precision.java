package io.alexstream.engine.runtime;

import java.util.Locale;

/**
 * The numbers the inference branch computes with. Weights, training and the update rule stay fp32 in every mode.
 *
 * <ul>
 *   <li>{@link #FP32}: everything in float32.
 *   <li>{@link #BF16}: convolutions, pooling and fc layers in bfloat16 on bfloat16 copies of the weights (refreshed
 *       whenever the weights change); the input, LRN and the softmax stay float32. oneDNN runs bfloat16 natively on
 *       CPUs with AVX-512 BF16 (or AMX); elsewhere it is emulated and slower.
 * </ul>
 */
public enum Precision {
    FP32,
    BF16;

    /** {@code fp32} or {@code bf16}, as in settings and metrics. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Precision parse(String value) {
        for (Precision p : values()) {
            if (p.label().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + value + "'; known: fp32, bf16");
    }
}
