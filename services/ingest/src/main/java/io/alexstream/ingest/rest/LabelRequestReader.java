package io.alexstream.ingest.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alexstream.ingest.config.IngestConfig;
import io.alexstream.ingest.messaging.LabelPublisher.LateLabel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code POST /v1/labels} body, {@code {"labels":[{"image_id":"a","label":"3"}, ...]}}, and
 * checks every entry before any is published: the whole request is accepted or refused, and a
 * refusal names the first offending entry ({@link Problem#entry()}). Ids and labels are trimmed,
 * as a labelled upload's label is; a label is a class index (a JSON number or text) or a class
 * name, which the consumers check against the model's profile (ingest does not know it).
 */
@ApplicationScoped
public class LabelRequestReader {

    /** Longest label, in UTF-8 bytes: class names are words, and a header should stay small. */
    public static final int MAX_LABEL_BYTES = 256;
    /** How much of an offending id or label a refusal quotes. */
    private static final int QUOTED_CHARS = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why a request was refused: the problem to answer with; nothing of the request was published. */
    public static final class Refused extends Exception {
        private final transient Problem problem;

        Refused(Problem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    private final int maxLabels;
    private final int maxImageIdBytes;

    @Inject
    public LabelRequestReader(IngestConfig config) {
        this(config.maxLabelsPerRequest(), config.maxImageIdBytes());
    }

    LabelRequestReader(int maxLabels, int maxImageIdBytes) {
        this.maxLabels = maxLabels;
        this.maxImageIdBytes = maxImageIdBytes;
    }

    /** The labels of the body, in request order; throws when any part of it is refused. */
    public List<LateLabel> read(byte[] body) throws Refused {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw malformed("the body is not JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw malformed("cannot read the body: " + e.getMessage(), null);
        }
        if (root == null || !root.isObject() || !root.path("labels").isArray()) {
            throw malformed("the body must be {\"labels\": [{\"image_id\": ..., \"label\": ...}, ...]}", null);
        }
        JsonNode entries = root.get("labels");
        if (entries.isEmpty()) {
            throw new Refused(problem(400, "no labels", "'labels' is empty; send one or more", "EMPTY", null, null));
        }
        if (entries.size() > maxLabels) {
            throw new Refused(problem(
                    413,
                    "too many labels",
                    entries.size() + " labels; the limit is " + maxLabels + " per request",
                    "TOO_MANY_LABELS",
                    (long) maxLabels,
                    null));
        }
        List<LateLabel> labels = new ArrayList<>(entries.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            LateLabel label = entry(entries.get(i), i);
            Integer earlier = seen.putIfAbsent(label.imageId(), i);
            if (earlier != null) {
                throw bad(
                        "BAD_ID",
                        i,
                        "image id " + quoted(label.imageId()) + " is labelled in entry " + earlier
                                + " already; send one label per image",
                        null);
            }
            labels.add(label);
        }
        return List.copyOf(labels);
    }

    private LateLabel entry(JsonNode entry, int index) throws Refused {
        if (!entry.isObject()) {
            throw malformed("labels[" + index + "] is not an object {\"image_id\": ..., \"label\": ...}", index);
        }
        JsonNode idNode = entry.path("image_id");
        if (!idNode.isTextual()) {
            throw bad("BAD_ID", index, "'image_id' must be a string", null);
        }
        String id = idNode.asText().trim();
        if (id.isEmpty() || hasControlCharacter(id)) {
            throw bad("BAD_ID", index, "the image id " + quoted(id) + " is blank or has control characters", null);
        }
        int idBytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes > maxImageIdBytes) {
            throw bad(
                    "BAD_ID",
                    index,
                    "the image id is " + idBytes + " bytes; the limit is " + maxImageIdBytes + " bytes",
                    (long) maxImageIdBytes);
        }
        return new LateLabel(id, label(entry.path("label"), index));
    }

    private static String label(JsonNode node, int index) throws Refused {
        String label;
        if (node.isIntegralNumber()) {
            label = node.asText();
        } else if (node.isTextual()) {
            label = node.asText().trim();
        } else {
            throw bad("BAD_LABEL", index, "'label' must be a class index or a class name", null);
        }
        if (label.isEmpty() || hasControlCharacter(label)) {
            throw bad("BAD_LABEL", index, "the label " + quoted(label) + " is blank or has control characters", null);
        }
        if (label.getBytes(StandardCharsets.UTF_8).length > MAX_LABEL_BYTES) {
            throw bad("BAD_LABEL", index, "the label is over " + MAX_LABEL_BYTES + " bytes", (long) MAX_LABEL_BYTES);
        }
        if (label.matches("-[0-9]+")) {
            throw bad("BAD_LABEL", index, "class index " + label + " is negative; indexes start at 0", null);
        }
        return label;
    }

    private static boolean hasControlCharacter(String text) {
        return text.chars().anyMatch(Character::isISOControl);
    }

    private static String quoted(String text) {
        String cut = text.length() > QUOTED_CHARS ? text.substring(0, QUOTED_CHARS) + "..." : text;
        StringBuilder out = new StringBuilder("'");
        // a refusal echoes what it was sent: control characters are shown, not obeyed
        cut.codePoints()
                .forEach(c -> out.append(
                        Character.isISOControl(c) ? String.format("\\u%04x", c) : new String(Character.toChars(c))));
        return out.append('\'').toString();
    }

    private static Refused malformed(String detail, Integer entry) {
        return new Refused(new Problem(
                "about:blank", "malformed labels", 400, detail, "MALFORMED_REQUEST", null, null, null, null, entry));
    }

    private static Refused bad(String reason, int index, String detail, Long limit) {
        String title = reason.equals("BAD_ID") ? "bad image id" : "bad label";
        return new Refused(problem(400, title, "labels[" + index + "]: " + detail, reason, limit, index));
    }

    private static Problem problem(int status, String title, String detail, String reason, Long limit, Integer entry) {
        return new Problem("about:blank", title, status, detail, reason, limit, null, null, null, entry);
    }
}
