package io.alexstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Tier: unit, on the shipped configuration. RoundScheduler pauses the labeled channel for a whole
 * round (minutes) with polled records in hand; SmallRye's throttled commit closes the consumer
 * when a record waits longer than {@code throttled.unprocessed-record-max-age.ms} (60 s unless
 * set), and checks only when the value is above 0 (KafkaThrottledLatestProcessedCommit, 4.33).
 * Waiting out a real round here would take minutes, so this pins the setting in every profile.
 */
class LabeledChannelConfigTest {

    static final String WATCHDOG = "mp.messaging.incoming.labeled-in.throttled.unprocessed-record-max-age.ms";

    @Test
    void thePausedChannelHasNoUnprocessedRecordWatchdogInAnyProfile() throws Exception {
        Properties properties = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        assertThat(properties.getProperty(WATCHDOG)).as(WATCHDOG).isNotNull();
        for (String name : properties.stringPropertyNames()) {
            if (name.equals(WATCHDOG) || name.endsWith("." + WATCHDOG)) {
                assertThat(Integer.parseInt(properties.getProperty(name).trim()))
                        .as(name)
                        .isLessThanOrEqualTo(0);
            }
        }
        assertThat(properties.getProperty("mp.messaging.incoming.labeled-in.commit-strategy"))
                .isEqualTo("throttled");
    }
}
