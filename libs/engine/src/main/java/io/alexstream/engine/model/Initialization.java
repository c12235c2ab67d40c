package io.alexstream.engine.model;

/**
 * How fresh weights are drawn.
 *
 * @param scheme      {@link Scheme#PAPER}: every weight from N(0, 0.01), as in the paper;
 *                    {@link Scheme#FAN_IN}: every layer but fc8 from N(0, 2 / fan-in) (He et al.;
 *                    assumes unit-scale inputs: see {@link AlexNetConfig#inputScale()}), and fc8
 *                    from the paper's N(0, 0.01) so the first logits are small and the first
 *                    loss is near ln(classes)
 * @param paperBiases biases of 1 in conv2, conv4, conv5, fc6, fc7 (the paper); false puts all at 0
 */
public record Initialization(Scheme scheme, boolean paperBiases) {

    public enum Scheme {
        PAPER,
        FAN_IN
    }

    public static final Initialization PAPER = new Initialization(Scheme.PAPER, true);

    /**
     * The paper's scheme for the {@code paper} profile. The quarter-width {@code small} profile
     * stalls at chance with N(0, 0.01) (its narrower layers shrink the signal further), and with
     * fan-in scaling it stalls again when the biases are 1 (the initial loss is about 16 and the
     * ReLUs die); so it uses fan-in scaling with all biases 0. Measured in docs/engine.md.
     */
    public static Initialization forProfile(AlexNetConfig config) {
        return Profiles.PAPER.equals(config.profile()) ? PAPER : new Initialization(Scheme.FAN_IN, false);
    }

    /** Standard deviation for a weight tensor of this shape (filters: kh, kw, in, out; dense: in, out). */
    public double stddev(String variableName, long[] shape) {
        if (scheme == Scheme.PAPER || variableName.startsWith("fc8/")) {
            return AlexNetModel.INIT_STDDEV;
        }
        long fanIn = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            fanIn *= shape[i];
        }
        return Math.sqrt(2.0 / fanIn);
    }
}
