package io.alexstream.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.engine.model.LayerGeometry.Layer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;

/**
 * Tier: plain unit on a real TensorFlow graph (built, not run). Every layer's output shape as
 * TensorFlow infers it matches the analytic table, for both profiles, and the parameter counts
 * of the paper's network are exact.
 */
class LayerShapesTest {

    @ParameterizedTest
    @ValueSource(strings = {Profiles.PAPER, Profiles.SMALL})
    void everyLayerOutputHasTheExpectedShape(String profile) {
        AlexNetConfig config = Profiles.byName(profile);
        List<Layer> layers = LayerGeometry.layers(config);
        try (Graph graph = new Graph()) {
            AlexNetGraph.build(graph, config);
            assertThat(AlexNetGraph.LAYER_OUTPUTS).hasSize(layers.size());
            for (int i = 0; i < layers.size(); i++) {
                Shape shape = graph.operation(AlexNetGraph.LAYER_OUTPUTS.get(i))
                        .output(0)
                        .shape();
                long[] expected = new long[layers.get(i).outputShape().length + 1];
                expected[0] = -1;
                for (int d = 0; d < layers.get(i).outputShape().length; d++) {
                    expected[d + 1] = layers.get(i).outputShape()[d];
                }
                assertThat(shape.asArray())
                        .as(AlexNetGraph.LAYER_OUTPUTS.get(i))
                        .containsExactly(expected);
            }
        }
    }

    @Test
    void paperProfileMatchesThePapersLayerSizes() {
        List<Layer> layers = LayerGeometry.layers(Profiles.paper());
        assertThat(layers.get(0).outputShape()).containsExactly(55, 55, 96);
        assertThat(layers.get(2).outputShape()).containsExactly(27, 27, 256);
        assertThat(layers.get(4).outputShape()).containsExactly(13, 13, 384);
        assertThat(layers.get(7).outputShape()).containsExactly(6, 6, 256);
        assertThat(layers.get(10).outputShape()).containsExactly(1000);
    }

    @Test
    void paperParameterCountsAreExact() {
        assertThat(LayerGeometry.totalParameters(Profiles.paper())).isEqualTo(60_965_224L);
        assertThat(LayerGeometry.totalParameters(Profiles.paper().withGroups(1)))
                .isEqualTo(62_378_344L);
    }

    @Test
    void graphVariablesHoldExactlyTheCountedParameters() {
        for (AlexNetConfig config : List.of(Profiles.paper(), Profiles.paper().withGroups(1), Profiles.small())) {
            try (Graph graph = new Graph()) {
                AlexNetGraph built = AlexNetGraph.build(graph, config);
                long total = built.variables().stream()
                        .mapToLong(v ->
                                Arrays.stream(v.variable().shape().asArray()).reduce(1, (a, b) -> a * b))
                        .sum();
                assertThat(total)
                        .as(config.profile() + " groups " + config.groups())
                        .isEqualTo(LayerGeometry.totalParameters(config));
                assertThat(graph.operation("conv1/weights")).isNotNull();
                assertThat(graph.operation("fc8/bias")).isNotNull();
            }
        }
    }

    @Test
    void paperForwardCostIsAbout072GigaMultiplyAdds() {
        assertThat(LayerGeometry.totalMultiplyAdds(Profiles.paper())).isBetween(700_000_000L, 750_000_000L);
        assertThat(LayerGeometry.totalMultiplyAdds(Profiles.paper().withGroups(1)))
                .isBetween(1_100_000_000L, 1_150_000_000L);
    }

    @Test
    void groupedLayersHaveHalfDepthFilters() {
        List<AlexNetGraph.VariableSpec> specs = AlexNetGraph.variableSpecs(Profiles.paper());
        assertThat(specs.get(2).shape()).containsExactly(5, 5, 48, 256);
        assertThat(specs.get(4).shape()).containsExactly(3, 3, 256, 384);
        assertThat(specs.get(6).shape()).containsExactly(3, 3, 192, 384);
        assertThat(specs.get(8).shape()).containsExactly(3, 3, 192, 256);
        assertThat(specs.get(10).shape()).containsExactly(9216, 4096);
    }
}
