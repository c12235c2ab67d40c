package io.alexstream.worker.messaging;

import io.alexstream.worker.config.WorkerConfig;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Exactly-once delivery ({@code alexstream.worker.exactly-once=true}): each poll's predictions,
 * their review copies, dead letters and consumed offsets are written in one Kafka transaction, polls in the order
 * they were read, on one thread. A worker killed mid-batch leaves an aborted transaction that
 * {@code read_committed} consumers never see, and the next owner answers the poll again. A
 * failed transaction is aborted and tried again with back-off (a broker outage only delays it);
 * a poll whose partitions moved to another worker (a rebalance) is dropped, not committed: its
 * new owner answers it.
 */
@ApplicationScoped
public class TransactionalDelivery {

    private static final Logger LOG = Logger.getLogger(TransactionalDelivery.class);

    private final WorkerConfig config;
    private final KafkaClientService clients;
    private final String bootstrapServers;
    private final String predictionsTopic;
    private final String deadLettersTopic;
    private final String reviewTopic;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "kafka-transactions");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<Boolean> last = CompletableFuture.completedFuture(true);
    private KafkaProducer<String, byte[]> producer;

    public TransactionalDelivery(
            WorkerConfig config,
            KafkaClientService clients,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "alexstream.topics.predictions") String predictionsTopic,
            @ConfigProperty(name = "alexstream.topics.dead-letters") String deadLettersTopic,
            @ConfigProperty(name = "alexstream.topics.review") String reviewTopic) {
        this.config = config;
        this.clients = clients;
        this.bootstrapServers = bootstrapServers;
        this.predictionsTopic = predictionsTopic;
        this.deadLettersTopic = deadLettersTopic;
        this.reviewTopic = reviewTopic;
    }

    /**
     * Commits the poll's answers and offsets once they are all ready and every earlier poll was
     * committed or dropped; completes with true when committed, false when dropped.
     */
    public synchronized CompletableFuture<Boolean> deliver(
            KafkaRecordBatch<String, byte[]> batch, List<CompletableFuture<Answer>> answers) {
        CompletableFuture<Void> ready = CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new));
        CompletableFuture<Boolean> previous = last;
        CompletableFuture<Boolean> mine = previous.exceptionally(ignored -> false)
                .thenCombine(ready, (a, b) -> a)
                .thenApplyAsync(
                        ignored -> commit(
                                answers.stream().map(CompletableFuture::join).toList(),
                                offsets(batch),
                                generation(batch)),
                        thread);
        last = mine;
        return mine;
    }

    private boolean commit(List<Answer> answers, Map<TopicPartition, OffsetAndMetadata> offsets, int generation) {
        long backoff = RetryingSender.FIRST_BACKOFF_MILLIS;
        while (true) {
            try {
                KafkaProducer<String, byte[]> p = producer();
                ConsumerGroupMetadata group = clients.getConsumer(Channels.IMAGES_IN)
                        .consumerGroupMetadata()
                        .await()
                        .atMost(Duration.ofSeconds(30));
                if (generation >= 0 && group.generationId() != generation) {
                    // the group rebalanced since this poll: its partitions may be another worker's now, which reads
                    // them
                    // again from the committed offsets (an eager rebalance resets this worker's positions the same way)
                    LOG.warnf(
                            "a poll of group generation %d was dropped: the group is at generation %d",
                            generation, group.generationId());
                    return false;
                }
                p.beginTransaction();
                for (Answer answer : answers) {
                    String topic = answer.kind() == Answer.Kind.PREDICTION ? predictionsTopic : deadLettersTopic;
                    p.send(new ProducerRecord<>(topic, null, answer.key(), answer.value(), answer.headers()));
                    ReviewCopy review = answer.review();
                    if (review != null) {
                        p.send(new ProducerRecord<>(reviewTopic, null, review.key(), review.image(), review.headers()));
                    }
                }
                p.sendOffsetsToTransaction(offsets, group);
                commitUntilDecided(p);
                return true;
            } catch (CommitFailedException
                    | IllegalGenerationException
                    | UnknownMemberIdException
                    | FencedInstanceIdException
                    | RebalanceInProgressException e) {
                abortQuietly();
                LOG.warnf(
                        "a poll's transaction was dropped: its partitions moved to another worker,"
                                + " which answers it (%s)",
                        e);
                return false;
            } catch (RuntimeException e) {
                // a failure before the commit was decided: nothing of this transaction is visible; start over fresh
                LOG.warnf("transaction of %d answers failed (%s); retrying in %d ms", answers.size(), e, backoff);
                closeProducer();
                sleep(backoff);
                backoff = Math.min(RetryingSender.MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    /**
     * A commit that timed out may have been decided by the broker all the same: it is retried on the same producer
     * (Kafka allows that) until the outcome is known, never redone in a new transaction, which would publish the
     * poll's answers twice.
     */
    private void commitUntilDecided(KafkaProducer<String, byte[]> p) {
        long backoff = RetryingSender.FIRST_BACKOFF_MILLIS;
        while (true) {
            try {
                p.commitTransaction();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warnf("commit of a transaction timed out (%s); asking again in %d ms", e.getMessage(), backoff);
                sleep(backoff);
                backoff = Math.min(RetryingSender.MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    /** The consumer group's generation when the poll was read, -1 when unknown. */
    static int generation(KafkaRecordBatch<String, byte[]> batch) {
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            return record.getMetadata(IncomingKafkaRecordMetadata.class)
                    .map(IncomingKafkaRecordMetadata::getConsumerGroupGenerationId)
                    .orElse(-1);
        }
        return -1;
    }

    /** The next offset to read per partition: one past the poll's last record there. */
    static Map<TopicPartition, OffsetAndMetadata> offsets(KafkaRecordBatch<String, byte[]> batch) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            long offset = record.getMetadata(IncomingKafkaRecordMetadata.class)
                    .map(IncomingKafkaRecordMetadata::getOffset)
                    .orElse(-1L);
            next.merge(
                    new TopicPartition(record.getTopic(), record.getPartition()),
                    new OffsetAndMetadata(offset + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return next;
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            // one transactional id per worker id: a restarted worker fences its previous life's open transaction
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alexstream-worker-" + config.id());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            // a review copy carries a whole image: ReviewRouter lets none through that exceeds this
            props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(ReviewRouter.MAX_RECORD_BYTES));
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
            producer.initTransactions();
        }
        return producer;
    }

    private void abortQuietly() {
        try {
            if (producer != null) {
                producer.abortTransaction();
            }
        } catch (RuntimeException e) {
            closeProducer();
        }
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // a fresh producer with the same transactional id fences and aborts whatever this one left open
            }
            producer = null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying a transaction", e);
        }
    }

    @PreDestroy
    void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeProducer();
    }
}
