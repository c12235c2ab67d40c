package io.alexstream.worker.messaging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.alexstream.proto.v1.Prediction;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The predictions topic's JSON value, written from the {@link Prediction} message itself: the
 * proto's field names and order, numbers as JSON numbers (int64 too, unlike protobuf's own JSON
 * printer, which quotes them), and an empty string field (an image without a correlation id)
 * left out. One mapping from the engine's result exists, to the message; this only spells it.
 * {@code crop_disagreement}, added to the message last, is written right after {@code crops_used}, which it
 * qualifies; it is always there (0 with one crop).
 */
final class PredictionJson {

    private final JsonFactory factory;

    PredictionJson(ObjectMapper json) {
        this.factory = json.getFactory();
    }

    String write(Prediction prediction) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = factory.createGenerator(out)) {
            writeMessage(generator, prediction);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write prediction " + prediction.getImageId(), e);
        }
        return out.toString();
    }

    private static void writeMessage(JsonGenerator generator, Message message) throws IOException {
        generator.writeStartObject();
        for (FieldDescriptor field : fields(message)) {
            if (field.isRepeated()) {
                generator.writeArrayFieldStart(field.getName());
                for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
                    writeValue(generator, field, message.getRepeatedField(field, i));
                }
                generator.writeEndArray();
                continue;
            }
            Object value = message.getField(field);
            boolean absent = field.hasPresence() ? !message.hasField(field) : "".equals(value);
            if (!absent) {
                generator.writeFieldName(field.getName());
                writeValue(generator, field, value);
            }
        }
        generator.writeEndObject();
    }

    /** The message's fields in declaration order, the prediction's crop disagreement moved beside its crops. */
    private static List<FieldDescriptor> fields(Message message) {
        List<FieldDescriptor> fields = message.getDescriptorForType().getFields();
        if (!(message instanceof Prediction)) {
            return fields;
        }
        FieldDescriptor disagreement =
                Prediction.getDescriptor().findFieldByNumber(Prediction.CROP_DISAGREEMENT_FIELD_NUMBER);
        List<FieldDescriptor> ordered = new ArrayList<>(fields);
        ordered.remove(disagreement);
        ordered.add(
                ordered.indexOf(Prediction.getDescriptor().findFieldByNumber(Prediction.CROPS_USED_FIELD_NUMBER)) + 1,
                disagreement);
        return ordered;
    }

    private static void writeValue(JsonGenerator generator, FieldDescriptor field, Object value) throws IOException {
        switch (field.getJavaType()) {
            case INT -> generator.writeNumber((Integer) value);
            case LONG -> generator.writeNumber((Long) value);
            case FLOAT -> generator.writeNumber((Float) value);
            case DOUBLE -> generator.writeNumber((Double) value);
            case BOOLEAN -> generator.writeBoolean((Boolean) value);
            case STRING -> generator.writeString((String) value);
            case ENUM -> generator.writeString(((com.google.protobuf.Descriptors.EnumValueDescriptor) value).getName());
            case MESSAGE -> writeMessage(generator, (Message) value);
            default ->
                throw new IllegalArgumentException(
                        "no JSON for field " + field.getFullName() + " of type " + field.getJavaType());
        }
    }
}
