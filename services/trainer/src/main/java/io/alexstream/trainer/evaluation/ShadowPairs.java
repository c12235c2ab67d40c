package io.alexstream.trainer.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One image's answers for the shadow comparison: the first serving answer per version and the first shadow answer per
 * version, each shadow answer marked once compared, so a redelivered answer never counts twice. The shadow pairs
 * store's value.
 */
final class ShadowPairs {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One answer as the comparison needs it: its top-1 class and record time. */
    record Side(int top1, long timestamp) {}

    /** A shadow version's answer compared with a serving version's: whether their top-1 classes agree. */
    record Comparison(long shadowVersion, boolean agreed) {}

    private final Map<Long, Side> serving = new TreeMap<>();
    private final Map<Long, Side> shadow = new TreeMap<>();
    private final Map<Long, Boolean> compared = new TreeMap<>();

    /** Keeps a serving answer unless its version already answered; true when kept. */
    boolean keepServing(long version, Side side) {
        return serving.putIfAbsent(version, side) == null;
    }

    /** Keeps a shadow answer unless its version already answered; true when kept. */
    boolean keepShadow(long version, Side side) {
        if (shadow.putIfAbsent(version, side) != null) {
            return false;
        }
        compared.put(version, false);
        return true;
    }

    /**
     * Compares each shadow answer not yet compared with a serving answer of another version within {@code window}
     * milliseconds (one of its own version, a canary worker's, says nothing) and marks it compared.
     */
    List<Comparison> compare(long window) {
        List<Comparison> done = new ArrayList<>();
        shadow.forEach((version, answer) -> {
            if (compared.get(version)) {
                return;
            }
            serving.entrySet().stream()
                    .filter(s -> !s.getKey().equals(version))
                    .filter(s -> Math.abs(s.getValue().timestamp() - answer.timestamp()) <= window)
                    .findFirst()
                    .ifPresent(s -> {
                        compared.put(version, true);
                        done.add(new Comparison(version, s.getValue().top1() == answer.top1()));
                    });
        });
        return done;
    }

    /** The newest record time of the kept answers (what retention compares). */
    long newestTimestamp() {
        long newest = Long.MIN_VALUE;
        for (Side side : serving.values()) {
            newest = Math.max(newest, side.timestamp());
        }
        for (Side side : shadow.values()) {
            newest = Math.max(newest, side.timestamp());
        }
        return newest;
    }

    byte[] toState() {
        ObjectNode state = JSON.createObjectNode();
        ObjectNode servingNode = state.putObject("s");
        serving.forEach((version, side) ->
                servingNode.putArray(Long.toString(version)).add(side.top1()).add(side.timestamp()));
        ObjectNode shadowNode = state.putObject("h");
        shadow.forEach((version, side) -> shadowNode
                .putArray(Long.toString(version))
                .add(side.top1())
                .add(side.timestamp())
                .add(compared.get(version) ? 1 : 0));
        try {
            return JSON.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ShadowPairs fromState(byte[] bytes) {
        ShadowPairs pairs = new ShadowPairs();
        if (bytes == null) {
            return pairs;
        }
        try {
            JsonNode state = JSON.readTree(bytes);
            state.path("s").fields().forEachRemaining(e -> pairs.serving.put(Long.parseLong(e.getKey()), side(e)));
            state.path("h").fields().forEachRemaining(e -> {
                long version = Long.parseLong(e.getKey());
                pairs.shadow.put(version, side(e));
                pairs.compared.put(version, e.getValue().path(2).asInt() == 1);
            });
            return pairs;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable shadow state", e);
        }
    }

    private static Side side(Map.Entry<String, JsonNode> entry) {
        return new Side(
                entry.getValue().path(0).asInt(), entry.getValue().path(1).asLong());
    }
}
