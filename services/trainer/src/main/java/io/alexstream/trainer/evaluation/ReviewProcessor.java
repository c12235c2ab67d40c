package io.alexstream.trainer.evaluation;

import io.alexstream.contracts.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * Keeps the first review copy per image (the workers' copies of images they were unsure of) until its label arrives
 * ({@link LabelProcessor} then makes it a training example). A copy whose image already has a first label becomes the
 * training example at once, with that label. Forgets copies older than the retention (stream time).
 */
final class ReviewProcessor implements Processor<String, byte[], String, byte[]> {

    private static final Logger LOG = Logger.getLogger(ReviewProcessor.class);

    private final EvaluationSettings settings;
    private final EvaluationListener listener;
    private ProcessorContext<String, byte[]> context;
    private ReviewStore reviews;
    private FirstLabels labels;
    private OutcomeCounts outcomes;

    ReviewProcessor(EvaluationSettings settings, EvaluationListener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        reviews = new ReviewStore(context, settings.reviewMaxBytes());
        labels = new FirstLabels(context.getStateStore(EvaluationTopology.LABELS_STORE));
        outcomes = new OutcomeCounts(context, listener);
        context.schedule(
                PredictionProcessor.PRUNE_INTERVAL,
                PunctuationType.STREAM_TIME,
                streamTime -> reviews.prune(streamTime - settings.retention().toMillis()));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String imageId = InputRecords.imageId(record);
        if (imageId == null || imageId.isBlank() || record.value() == null || record.value().length == 0) {
            LOG.debugf("skipping a malformed review copy (image %s)", imageId);
            outcomes.count(Outcome.COPY_MALFORMED);
            return;
        }
        if (reviews.contains(imageId)) {
            outcomes.count(Outcome.COPY_DUPLICATE);
            return;
        }
        ReviewCopy copy =
                new ReviewCopy(record.timestamp(), InputRecords.header(record, Headers.CONTENT_TYPE), record.value());
        String label = labels.received(imageId);
        if (label != null) {
            // its label came first: train on it now, and remember that it trained
            reviews.keepUsed(imageId, copy);
            context.forward(copy.example(imageId, label, record.timestamp()));
            outcomes.count(Outcome.COPY_KEPT);
            outcomes.count(Outcome.REVIEW_RELABELLED);
        } else if (reviews.keep(imageId, copy)) {
            outcomes.count(Outcome.COPY_KEPT);
        } else {
            LOG.debugf("review store full (%d bytes): dropping the copy of %s", reviews.usedBytes(), imageId);
            outcomes.count(Outcome.COPY_DROPPED);
        }
    }
}
