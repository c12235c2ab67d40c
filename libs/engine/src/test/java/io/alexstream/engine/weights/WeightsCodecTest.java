package io.alexstream.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alexstream.engine.TestImages;
import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.AlexNetGraph;
import io.alexstream.engine.model.AlexNetGraph.VariableSpec;
import io.alexstream.engine.model.AlexNetModel;
import io.alexstream.engine.model.Profiles;
import io.alexstream.engine.runtime.SessionOptions;
import io.alexstream.engine.weights.WeightsFormatException.Reason;
import io.alexstream.engine.weights.WeightsHeader.TensorEntry;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier: plain unit on real TensorFlow sessions. A save/load round trip reproduces outputs bit
 * for bit; every kind of bad artifact is refused with its own reason and a message naming it.
 */
class WeightsCodecTest {

    private static final AlexNetConfig CONFIG = Profiles.small();
    private static AlexNetModel model;
    private static ModelWeights weights;

    @BeforeAll
    static void trainLikeWeights() {
        model = AlexNetModel.create(CONFIG, SessionOptions.cpu());
        model.initialize(11, TestImages.grayMean(CONFIG.scaleSize()));
        WeightsMetadata metadata = new WeightsMetadata(
                3,
                2L,
                "2026-11-27T00:00:00Z",
                Map.of("top1", 0.81),
                Map.of("batch", "128"),
                List.of(new WeightsMetadata.OffsetRange("images.labeled", 0, 0, 5000)));
        weights = model.export(metadata);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void roundTripGivesBitIdenticalOutputs() throws Exception {
        byte[] artifact = WeightsCodec.toBytes(weights);
        List<ScaledImage> images = TestImages.random(4, CONFIG.scaleSize(), 9);
        float[] crops = new float[4 * 10 * CONFIG.cropSize() * CONFIG.cropSize() * 3];
        int offset = 0;
        for (ScaledImage image : images) {
            offset = Crops.write(image, model.mean(), CONFIG.cropSize(), Crops.Mode.TEN_CROP, crops, offset);
        }
        float[] before = model.probabilities(crops, 40);
        try (AlexNetModel fresh = AlexNetModel.create(CONFIG, SessionOptions.cpu())) {
            ModelWeights loaded = WeightsCodec.read(artifact);
            fresh.load(loaded);
            float[] after = fresh.probabilities(crops, 40);
            assertThat(floatBits(after)).isEqualTo(floatBits(before));
            assertThat(fresh.metadata()).isEqualTo(weights.metadata());
            var reloaded = fresh.classify(images, Crops.Mode.TEN_CROP, 5);
            var original = model.classify(images, Crops.Mode.TEN_CROP, 5);
            for (int i = 0; i < images.size(); i++) {
                assertThat(reloaded.get(i).top()).isEqualTo(original.get(i).top());
                assertThat(reloaded.get(i).modelVersion()).isEqualTo(3L);
            }
        }
    }

    @Test
    void chunkedStreamReassemblesToTheSameArtifact() throws Exception {
        List<byte[]> chunks = new ArrayList<>();
        WeightsCodec.writeChunks(weights, 4096, chunks::add);
        assertThat(chunks).hasSizeGreaterThan(10);
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c).hasSize(4096));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        chunks.forEach(joined::writeBytes);
        ModelWeights read = WeightsCodec.read(joined.toByteArray());
        assertThat(read.config()).isEqualTo(CONFIG);
        for (Map.Entry<String, float[]> e : weights.variables().entrySet()) {
            assertThat(floatBits(read.variables().get(e.getKey())))
                    .as(e.getKey())
                    .isEqualTo(floatBits(e.getValue()));
        }
        assertThat(joined.toByteArray()).isEqualTo(WeightsCodec.toBytes(weights));
    }

    @Test
    void refusesTruncatedArtifacts() {
        byte[] artifact = WeightsCodec.toBytes(weights);
        assertRefused(Arrays.copyOf(artifact, artifact.length / 2), Reason.TRUNCATED, "ended inside tensor");
        assertRefused(Arrays.copyOf(artifact, artifact.length - 10), Reason.TRUNCATED, "SHA-256 trailer");
        assertRefused(Arrays.copyOf(artifact, 30), Reason.TRUNCATED, "header");
    }

    @Test
    void refusesATamperedByte() {
        byte[] artifact = WeightsCodec.toBytes(weights);
        artifact[artifact.length / 2] ^= 0x01;
        assertRefused(artifact, Reason.CHECKSUM_MISMATCH, "SHA-256 of the content is");
    }

    @Test
    void refusesAShapeThatDoesNotMatchTheConfig() throws Exception {
        List<TensorEntry> entries = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        entries.add(new TensorEntry(ModelWeights.MEAN, weights.meanShape(), WeightsHeader.FLOAT32));
        data.add(weights.mean());
        for (VariableSpec spec : AlexNetGraph.variableSpecs(CONFIG)) {
            long[] shape = spec.shape().clone();
            float[] values = weights.variables().get(spec.name());
            if (spec.name().equals("conv3/weights")) {
                shape[3] += 1;
                values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            }
            entries.add(new TensorEntry(spec.name(), shape, WeightsHeader.FLOAT32));
            data.add(values);
        }
        byte[] artifact = raw(new WeightsHeader(WeightsHeader.FORMAT_NAME, CONFIG, weights.metadata(), entries), data);
        assertRefused(artifact, Reason.SHAPE_MISMATCH, "tensor conv3/weights has shape [3, 3, 64, 97]");
    }

    @Test
    void refusesANonFloat32Dtype() throws Exception {
        List<TensorEntry> entries = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        entries.add(new TensorEntry(ModelWeights.MEAN, weights.meanShape(), "float16"));
        data.add(weights.mean());
        byte[] artifact = raw(new WeightsHeader(WeightsHeader.FORMAT_NAME, CONFIG, weights.metadata(), entries), data);
        assertRefused(artifact, Reason.DTYPE_MISMATCH, "tensor mean has dtype float16");
    }

    @Test
    void refusesWeightsMadeForAnotherConfig() throws Exception {
        AlexNetConfig fiveClasses = CONFIG.withClassNames(List.of("a", "b", "c", "d", "e"));
        try (AlexNetModel other = AlexNetModel.create(fiveClasses, SessionOptions.cpu())) {
            ModelWeights read = WeightsCodec.read(WeightsCodec.toBytes(weights));
            assertThatThrownBy(() -> other.load(read))
                    .isInstanceOfSatisfying(
                            WeightsFormatException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.CONFIG_MISMATCH))
                    .hasMessageContaining("classes=10 but the model has classes=5");
            assertThat(other.isLoaded()).isFalse();
        }
    }

    @Test
    void refusesNaNAndInfinity() {
        Map<String, float[]> poisoned = new LinkedHashMap<>(weights.variables());
        float[] fc7 = poisoned.get("fc7/weights").clone();
        fc7[1234] = Float.NaN;
        poisoned.put("fc7/weights", fc7);
        byte[] artifact = WeightsCodec.toBytes(new ModelWeights(CONFIG, weights.metadata(), weights.mean(), poisoned));
        assertRefused(artifact, Reason.NON_FINITE, "tensor fc7/weights holds NaN at flat index 1234");

        float[] mean = weights.mean().clone();
        mean[0] = Float.POSITIVE_INFINITY;
        assertRefused(
                WeightsCodec.toBytes(new ModelWeights(CONFIG, weights.metadata(), mean, weights.variables())),
                Reason.NON_FINITE,
                "tensor mean holds Infinity");
    }

    @Test
    void refusesArtifactsOverTheLimitAndForeignFiles() {
        byte[] artifact = WeightsCodec.toBytes(weights);
        assertThatThrownBy(() -> WeightsCodec.read(new java.io.ByteArrayInputStream(artifact), 100_000))
                .isInstanceOfSatisfying(
                        WeightsFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE))
                .hasMessageContaining("100000 bytes");
        assertRefused("PK\3\4 a zip file, not weights".getBytes(), Reason.MALFORMED, "bad magic");
        byte[] trailing = Arrays.copyOf(artifact, artifact.length + 1);
        assertRefused(trailing, Reason.MALFORMED, "after the SHA-256 trailer");
    }

    @Test
    void aRefusedLoadLeavesTheServingWeightsUntouched() throws Exception {
        List<ScaledImage> images = TestImages.random(2, CONFIG.scaleSize(), 10);
        var before = model.classify(images, Crops.Mode.TEN_CROP, 3);
        Map<String, float[]> wrong = new LinkedHashMap<>(weights.variables());
        wrong.put("fc8/bias", new float[3]);
        ModelWeights bad = new ModelWeights(CONFIG, weights.metadata(), weights.mean(), wrong);
        assertThatThrownBy(() -> model.load(bad))
                .isInstanceOfSatisfying(
                        WeightsFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.SHAPE_MISMATCH))
                .hasMessageContaining("fc8/bias");
        assertThat(model.classify(images, Crops.Mode.TEN_CROP, 3)).isEqualTo(before);
    }

    private static void assertRefused(byte[] artifact, Reason reason, String messagePart) {
        assertThatThrownBy(() -> WeightsCodec.read(artifact))
                .isInstanceOfSatisfying(
                        WeightsFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(messagePart);
    }

    private static byte[] raw(WeightsHeader header, List<float[]> data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WeightsWriter.writeRaw(header, data, out);
        return out.toByteArray();
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
