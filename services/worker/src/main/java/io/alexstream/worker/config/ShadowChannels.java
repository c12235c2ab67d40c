package io.alexstream.worker.config;

import io.alexstream.contracts.Topics;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * With {@code alexstream.worker.shadow=true}, answers the two channel keys that make a worker a shadow: the images
 * channel's consumer group becomes {@code alexstream.worker.shadow-group} and the predictions channel's topic
 * {@code alexstream.topics.predictions-shadow}. One switch instead of three keys an operator must keep in step: a
 * shadow worker that forgot one would take images from the serving workers or answer callers' topic.
 */
@Priority(Priorities.APPLICATION + 100)
public class ShadowChannels implements ConfigSourceInterceptor {

    static final String SHADOW = "alexstream.worker.shadow";
    static final String SHADOW_GROUP = "alexstream.worker.shadow-group";
    static final String SHADOW_TOPIC = "alexstream.topics.predictions-shadow";
    static final String DEFAULT_GROUP = "alexstream-shadow";
    /** The keys of {@code Channels.IMAGES_IN} and {@code Channels.PREDICTIONS_OUT} (config cannot see messaging). */
    static final String IMAGES_GROUP = "mp.messaging.incoming.images-in.group.id";

    static final String PREDICTIONS_TOPIC = "mp.messaging.outgoing.predictions-out.topic";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!IMAGES_GROUP.equals(name) && !PREDICTIONS_TOPIC.equals(name) || !shadow(context)) {
            return value;
        }
        String shadowValue = IMAGES_GROUP.equals(name)
                ? orDefault(context.proceed(SHADOW_GROUP), DEFAULT_GROUP)
                : orDefault(context.proceed(SHADOW_TOPIC), Topics.PREDICTIONS_SHADOW);
        return value == null
                ? ConfigValue.builder().withName(name).withValue(shadowValue).build()
                : value.withValue(shadowValue);
    }

    private static boolean shadow(ConfigSourceInterceptorContext context) {
        ConfigValue shadow = context.proceed(SHADOW);
        return shadow != null && Boolean.parseBoolean(shadow.getValue());
    }

    private static String orDefault(ConfigValue value, String fallback) {
        return value == null || value.getValue() == null || value.getValue().isBlank() ? fallback : value.getValue();
    }
}
