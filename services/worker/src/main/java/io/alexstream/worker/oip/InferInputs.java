package io.alexstream.worker.oip;

import io.alexstream.engine.image.RgbImage;
import io.alexstream.proto.inference.InferParameter;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelInferRequest.InferInputTensor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the one input of a {@code ModelInferRequest} into images: {@value OipModel#INPUT_IMAGES}, a BYTES tensor
 * [N] of encoded images (one file per element), or {@value OipModel#INPUT_PIXELS}, an FP32 tensor [N, H, W, 3] of
 * decoded pixels in 0..255 ([N, 3, H, W] with the input parameter {@code layout = "NCHW"}). Both in the typed form
 * ({@code contents}) or the raw one ({@code raw_input_contents}: little-endian floats; each BYTES element a 4-byte
 * little-endian length and its bytes). Anything else is INVALID_ARGUMENT with what was expected.
 */
public final class InferInputs {

    /** One image of a request: a file to decode, or pixels already decoded. */
    public sealed interface Item permits Encoded, Pixels {}

    public record Encoded(byte[] bytes) implements Item {}

    public record Pixels(RgbImage image) implements Item {}

    private InferInputs() {}

    /** The request's images; at most {@code maxImages}, and at most {@code maxPixels} pixels each. */
    public static List<Item> read(ModelInferRequest request, int maxImages, long maxPixels) {
        if (request.getInputsCount() != 1) {
            throw invalid(
                    "expected exactly one input, %s (BYTES [N]) or %s (FP32 [N, H, W, 3]); got %d",
                    OipModel.INPUT_IMAGES, OipModel.INPUT_PIXELS, request.getInputsCount());
        }
        InferInputTensor input = request.getInputs(0);
        int raws = request.getRawInputContentsCount();
        if (raws > 1) {
            throw invalid("raw_input_contents has %d entries for 1 input", raws);
        }
        boolean raw = raws == 1;
        if (raw && input.hasContents()) {
            throw invalid("input '%s' has both contents and raw_input_contents", input.getName());
        }
        long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
        int count = shape.length == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, shape[0]);
        if (shape.length > 0 && (shape[0] < 1 || shape[0] > maxImages)) {
            throw invalid("input '%s' has %d images; 1 to %d per request", input.getName(), shape[0], maxImages);
        }
        return switch (input.getName()) {
            case OipModel.INPUT_IMAGES -> encoded(input, shape, count, raw ? request.getRawInputContents(0) : null);
            case OipModel.INPUT_PIXELS ->
                pixels(input, shape, count, maxPixels, raw ? request.getRawInputContents(0) : null);
            default ->
                throw invalid(
                        "unknown input '%s': this model takes %s (BYTES [N]) or %s (FP32 [N, H, W, 3])",
                        input.getName(), OipModel.INPUT_IMAGES, OipModel.INPUT_PIXELS);
        };
    }

    private static List<Item> encoded(
            InferInputTensor input, long[] shape, int count, com.google.protobuf.ByteString raw) {
        requireType(input, "BYTES");
        if (shape.length != 1) {
            throw invalid("input '%s' must have shape [N], got %s", input.getName(), shapeText(shape));
        }
        List<Item> items = new ArrayList<>(count);
        if (raw == null) {
            int given = input.getContents().getBytesContentsCount();
            if (given != count) {
                throw invalid("input '%s' has shape [%d] but %d bytes_contents", input.getName(), count, given);
            }
            input.getContents().getBytesContentsList().forEach(b -> items.add(new Encoded(b.toByteArray())));
            return items;
        }
        ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < 4) {
                throw invalid("raw BYTES of input '%s' end inside an element's 4-byte length", input.getName());
            }
            int length = buffer.getInt();
            if (length < 0 || length > buffer.remaining()) {
                throw invalid(
                        "raw BYTES of input '%s': element %d declares %d bytes, %d remain",
                        input.getName(), items.size(), Integer.toUnsignedLong(length), buffer.remaining());
            }
            byte[] element = new byte[length];
            buffer.get(element);
            items.add(new Encoded(element));
        }
        if (items.size() != count) {
            throw invalid(
                    "input '%s' has shape [%d] but its raw contents hold %d elements",
                    input.getName(), count, items.size());
        }
        return items;
    }

    private static List<Item> pixels(
            InferInputTensor input, long[] shape, int count, long maxPixels, com.google.protobuf.ByteString raw) {
        requireType(input, "FP32");
        boolean nchw = layout(input).equals("NCHW");
        int channelAxis = nchw ? 1 : 3;
        if (shape.length != 4 || shape[channelAxis] != 3) {
            throw invalid(
                    "input '%s' must have shape %s, got %s",
                    input.getName(), nchw ? "[N, 3, H, W] (layout NCHW)" : "[N, H, W, 3]", shapeText(shape));
        }
        long height = nchw ? shape[2] : shape[1];
        long width = nchw ? shape[3] : shape[2];
        if (height < 1 || width < 1 || height * width > maxPixels) {
            throw invalid(
                    "input '%s': images of %dx%d; 1 to %d pixels each", input.getName(), width, height, maxPixels);
        }
        int perImage = Math.toIntExact(height * width * 3);
        long values = (long) perImage * count;
        float[] data;
        if (raw == null) {
            if (input.getContents().getFp32ContentsCount() != values) {
                throw invalid(
                        "input '%s' has shape %s (%d values) but %d fp32_contents",
                        input.getName(),
                        shapeText(shape),
                        values,
                        input.getContents().getFp32ContentsCount());
            }
            data = new float[(int) values];
            for (int i = 0; i < data.length; i++) {
                data[i] = input.getContents().getFp32Contents(i);
            }
        } else {
            if (raw.size() != values * Float.BYTES) {
                throw invalid(
                        "input '%s' has shape %s (%d bytes of FP32) but its raw contents hold %d bytes",
                        input.getName(), shapeText(shape), values * Float.BYTES, raw.size());
            }
            data = new float[(int) values];
            raw.asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(data);
        }
        List<Item> items = new ArrayList<>(count);
        int h = (int) height;
        int w = (int) width;
        for (int n = 0; n < count; n++) {
            byte[] rgb = new byte[perImage];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        int from = n * perImage + (nchw ? (c * h + y) * w + x : (y * w + x) * 3 + c);
                        rgb[(y * w + x) * 3 + c] = pixel(input, data[from]);
                    }
                }
            }
            items.add(new Pixels(new RgbImage(w, h, rgb)));
        }
        return items;
    }

    private static byte pixel(InferInputTensor input, float value) {
        if (!(value >= 0f && value <= 255f)) {
            throw invalid("input '%s' holds %s; pixels are 0 to 255", input.getName(), value);
        }
        return (byte) Math.round(value);
    }

    private static String layout(InferInputTensor input) {
        InferParameter layout = input.getParametersOrDefault(OipModel.LAYOUT, null);
        if (layout == null) {
            return "NHWC";
        }
        String value = layout.getStringParam().toUpperCase(Locale.ROOT);
        if (!value.equals("NHWC") && !value.equals("NCHW")) {
            throw invalid(
                    "parameter layout of input '%s' is '%s'; NHWC or NCHW", input.getName(), layout.getStringParam());
        }
        return value;
    }

    private static void requireType(InferInputTensor input, String datatype) {
        if (!input.getDatatype().equals(datatype)) {
            throw invalid("input '%s' must be %s, got '%s'", input.getName(), datatype, input.getDatatype());
        }
    }

    static String shapeText(long[] shape) {
        return java.util.Arrays.toString(shape);
    }

    static StatusRuntimeException invalid(String format, Object... args) {
        return Status.INVALID_ARGUMENT
                .withDescription(String.format(Locale.ROOT, format, args))
                .asRuntimeException();
    }
}
