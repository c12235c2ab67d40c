package io.alexstream.engine.weights;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A complete model: its config, the training-set mean image (S x S x 3, subtracted from every
 * crop), every variable's values in {@link AlexNetGraph#variableSpecs} order, and metadata.
 */
public record ModelWeights(
        AlexNetConfig config, WeightsMetadata metadata, float[] mean, Map<String, float[]> variables) {

    public static final String MEAN = "mean";

    public ModelWeights {
        variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    public long[] meanShape() {
        return new long[] {config.scaleSize(), config.scaleSize(), AlexNetConfig.CHANNELS};
    }

    /**
     * Refuses weights made for another model: every field of the config that shapes the
     * graph or the meaning of an output must agree.
     */
    public void requireCompatible(AlexNetConfig expected) throws WeightsFormatException {
        AlexNetConfig actual = config;
        checkField("cropSize", expected.cropSize(), actual.cropSize());
        checkField("scaleSize", expected.scaleSize(), actual.scaleSize());
        checkField("widthMultiplier", expected.widthMultiplier(), actual.widthMultiplier());
        checkField("groups", expected.groups(), actual.groups());
        checkField("inputScale", expected.inputScale(), actual.inputScale());
        checkField("classes", expected.numClasses(), actual.numClasses());
        checkField("classNames", expected.classNames(), actual.classNames());
        List<VariableSpec> specs = AlexNetGraph.variableSpecs(expected);
        for (VariableSpec spec : specs) {
            float[] values = variables.get(spec.name());
            if (values == null) {
                throw new WeightsFormatException(
                        WeightsFormatException.Reason.SHAPE_MISMATCH, "variable " + spec.name() + " is missing");
            }
            if (values.length != spec.size()) {
                throw new WeightsFormatException(
                        WeightsFormatException.Reason.SHAPE_MISMATCH,
                        "variable " + spec.name() + " has " + values.length + " values; the model expects "
                                + spec.size() + " (shape " + java.util.Arrays.toString(spec.shape()) + ")");
            }
        }
    }

    private static void checkField(String field, Object expected, Object actual) throws WeightsFormatException {
        if (!expected.equals(actual)) {
            throw new WeightsFormatException(
                    WeightsFormatException.Reason.CONFIG_MISMATCH,
                    "weights were made for " + field + "=" + actual + " but the model has " + field + "=" + expected);
        }
    }
}
