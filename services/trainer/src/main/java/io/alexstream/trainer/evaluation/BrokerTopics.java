package io.alexstream.trainer.evaluation;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Which of the evaluator's topics the broker lacks, by listing its topics with a short-lived admin client: the
 * {@link EvaluatorSupervisor} asks only while the evaluator is down, and the evaluator never creates its input and
 * output topics itself (their partitions and retention are the deployment's choice, see deploy/k8s/kafka).
 */
final class BrokerTopics implements EvaluatorSupervisor.TopicProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final EvaluationTopics topics;

    BrokerTopics(String bootstrapServers, EvaluationTopics topics) {
        this.bootstrapServers = bootstrapServers;
        this.topics = topics;
    }

    @Override
    public Set<String> missing() throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis() / 2);
        Admin admin = Admin.create(properties);
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Set<String> missing = new TreeSet<>(topics.all());
            missing.removeAll(existing);
            return missing;
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
