package io.alexstream.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/** One-line JSON for {@code --json} output; a figure that was not measured (NaN) is null, never a number. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Double.class, new JsonSerializer<>() {
                @Override
                public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
                    if (Double.isFinite(value)) {
                        out.writeNumber(value);
                    } else {
                        out.writeNull();
                    }
                }
            }));

    private Json() {}

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
