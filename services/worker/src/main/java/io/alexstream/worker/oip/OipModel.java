package io.alexstream.worker.oip;

/**
 * The model as the Open Inference Protocol sees it: its tensors' names and the parameters it reads. One definition,
 * shared with the tests and the docs; the model's name comes from {@code alexstream.worker.oip.model-name}.
 */
public final class OipModel {

    /** Encoded images, BYTES [N]: one JPEG, PNG, GIF or BMP file per element. */
    public static final String INPUT_IMAGES = "images";
    /** Decoded pixels, FP32 [N, H, W, 3] (or [N, 3, H, W] with {@link #LAYOUT} NCHW), values 0 to 255. */
    public static final String INPUT_PIXELS = "pixels";
    /** Input parameter: NHWC (the default) or NCHW. */
    public static final String LAYOUT = "layout";
    /** The 10-crop averaged softmax, FP32 [N, classes]. */
    public static final String OUTPUT_PROBABILITIES = "probabilities";
    /** Output parameter of the classification extension: k, for a BYTES [N, k] of "probability:index:label". */
    public static final String CLASSIFICATION = "classification";
    /** What ModelMetadata gives as the platform. */
    public static final String PLATFORM = "tensorflow_java";
    /** The server's name in ServerMetadata. */
    public static final String SERVER_NAME = "alexstream";
    /** The protocol's extensions this server implements. */
    public static final String EXTENSION_CLASSIFICATION = "classification";

    private OipModel() {}
}
