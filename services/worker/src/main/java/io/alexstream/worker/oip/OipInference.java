package io.alexstream.worker.oip;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ImageRejectedException;
import io.alexstream.engine.inference.DynamicBatcher;
import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.Profiles;
import io.alexstream.proto.inference.ModelInferRequest;
import io.alexstream.proto.inference.ModelInferResponse;
import io.alexstream.proto.inference.ModelMetadataResponse;
import io.alexstream.proto.inference.ModelMetadataResponse.TensorMetadata;
import io.alexstream.proto.inference.ServerMetadataResponse;
import io.alexstream.proto.v1.Prediction;
import io.alexstream.worker.config.WorkerConfig;
import io.alexstream.worker.grpc.Refusals;
import io.alexstream.worker.inference.ImageClassifier;
import io.alexstream.worker.inference.ServingModel;
import io.alexstream.worker.metrics.WorkerMetrics;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * What the Open Inference Protocol's calls do, over gRPC ({@link OipService}) and HTTP ({@link OipResource}) alike:
 * one request's images go through the same preprocessing, limits, batcher and metrics as {@code Classify} (ten crops
 * each), and the answer names the version that computed it.
 */
@ApplicationScoped
public class OipInference {

    private final ServingModel serving;
    private final ImageClassifier classifier;
    private final WorkerConfig config;
    private final AlexNetConfig model;

    public OipInference(ServingModel serving, ImageClassifier classifier, WorkerConfig config) {
        this.serving = serving;
        this.classifier = classifier;
        this.config = config;
        this.model = Profiles.byName(config.profile());
    }

    /** The model's name in the protocol. */
    public String modelName() {
        return config.oip().modelName();
    }

    /** Ready for callers: a model loaded, and not a shadow worker (whose answers reach no caller). */
    public boolean ready() {
        return serving.ready() && !config.shadow();
    }

    /** This model, at this version when one is given, is ready. */
    public boolean modelReady(String name, String version) {
        return name.equals(modelName()) && ready() && serves(version);
    }

    public ServerMetadataResponse serverMetadata() {
        return ServerMetadataResponse.newBuilder()
                .setName(OipModel.SERVER_NAME)
                .setVersion(Objects.requireNonNullElse(getClass().getPackage().getImplementationVersion(), "dev"))
                .addExtensions(OipModel.EXTENSION_CLASSIFICATION)
                .build();
    }

    /** The model's tensors as it takes and gives them; the version served, if any. */
    public ModelMetadataResponse modelMetadata(String name, String version) {
        requireModel(name, version);
        ModelMetadataResponse.Builder metadata =
                ModelMetadataResponse.newBuilder().setName(modelName()).setPlatform(OipModel.PLATFORM);
        if (serving.servedVersion() >= 0) {
            metadata.addVersions(Long.toString(serving.servedVersion()));
        }
        return metadata.addInputs(tensor(OipModel.INPUT_IMAGES, "BYTES", -1))
                .addInputs(tensor(OipModel.INPUT_PIXELS, "FP32", -1, -1, -1, 3))
                .addOutputs(tensor(OipModel.OUTPUT_PROBABILITIES, "FP32", -1, model.numClasses()))
                .build();
    }

    /**
     * Classifies the request's images and completes with the response; throws the status a caller gets, or completes
     * exceptionally with what {@link Refusals#toStatus} turns into one.
     */
    public CompletableFuture<ModelInferResponse> infer(
            ModelInferRequest request, OptionalLong timeLeft, WorkerMetrics.Source source) {
        requireModel(request.getModelName(), request.getModelVersion());
        if (config.shadow()) {
            throw Refusals.shadowWorker();
        }
        if (!serving.ready()) {
            throw Refusals.noModel(serving.lastError());
        }
        InferOutputs.check(request, model.numClasses());
        List<InferInputs.Item> items = InferInputs.read(request, config.oip().maxImages(), config.maxImagePixels());
        List<ImageClassifier.PreparedImage> prepared = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            try {
                InferInputs.Item item = items.get(i);
                prepared.add(
                        item instanceof InferInputs.Pixels pixels
                                ? classifier.prepare(pixels.image())
                                : classifier.prepare(((InferInputs.Encoded) item).bytes()));
            } catch (ImageRejectedException e) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("image " + i + ": " + e.reason() + ": " + e.getMessage())
                        .asRuntimeException();
            }
        }
        String id = request.getId().isEmpty() ? UUID.randomUUID().toString() : request.getId();
        List<CompletableFuture<Prediction>> answers = new ArrayList<>(prepared.size());
        try {
            for (int i = 0; i < prepared.size(); i++) {
                answers.add(classifier.classify(
                        id + "/" + i,
                        null,
                        prepared.get(i),
                        Crops.Mode.TEN_CROP,
                        model.numClasses(),
                        ImageClassifier.WhenFull.REFUSE,
                        timeLeft,
                        source));
            }
        } catch (DynamicBatcher.QueueFullException e) {
            throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenApply(done -> response(
                        request,
                        id,
                        answers.stream().map(CompletableFuture::join).toList()));
    }

    private ModelInferResponse response(ModelInferRequest request, String id, List<Prediction> predictions) {
        // one version unless a rollout swapped models between this request's images
        String versions = predictions.stream()
                .map(p -> Long.toString(p.getModelVersion()))
                .distinct()
                .collect(Collectors.joining(","));
        ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
                .setModelName(modelName())
                .setModelVersion(versions)
                .setId(id);
        InferOutputs.write(request, predictions, model.numClasses(), response);
        return response.build();
    }

    private void requireModel(String name, String version) {
        if (!name.equals(modelName())) {
            throw Status.NOT_FOUND
                    .withDescription("unknown model '" + name + "'; this worker serves '" + modelName() + "'")
                    .asRuntimeException();
        }
        if (!serves(version)) {
            throw Status.NOT_FOUND
                    .withDescription("version " + version + " of '" + name + "' is not served here (serving "
                            + serving.servedVersion() + ")")
                    .asRuntimeException();
        }
    }

    /** No version asked for, or the one served. */
    private boolean serves(String version) {
        return version.isEmpty() || version.equals(Long.toString(serving.servedVersion()));
    }

    private static TensorMetadata tensor(String name, String datatype, long... shape) {
        TensorMetadata.Builder tensor =
                TensorMetadata.newBuilder().setName(name).setDatatype(datatype);
        for (long dim : shape) {
            tensor.addShape(dim);
        }
        return tensor.build();
    }
}
