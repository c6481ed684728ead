package io.gantry.protocol.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;

/**
 * The two JSON shapes of the image spec that Jackson does not write by itself. They sit on the
 * record components, so the records read and write the same with any ObjectMapper.
 */
final class JsonSupport {

    private JsonSupport() {
    }

    /**
     * RFC 3339 times as Go writes them ({@code time.RFC3339Nano}: UTC, trailing zeros of the
     * fraction dropped), read with any offset.
     */
    static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendLiteral('Z')
            .toFormatter()
            .withZone(ZoneOffset.UTC);

    static final class TimeSerializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(RFC3339_NANO.format(value));
        }
    }

    static final class TimeDeserializer extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            String text = p.getText();
            try {
                return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text,
                        "not an RFC 3339 time (e.g. 2015-10-31T22:22:56.015925234Z)");
            }
        }
    }

    /**
     * A set written as a JSON object whose values are empty objects, as Go's
     * {@code map[string]struct{}} does: {@code "ExposedPorts": {"8080/tcp": {}}}. Java sees the
     * keys as a list, sorted as Go writes them.
     */
    static final class ObjectSetSerializer extends JsonSerializer<List<String>> {
        @Override
        public void serialize(List<String> keys, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            for (String key : keys) {
                gen.writeFieldName(key);
                gen.writeStartObject();
                gen.writeEndObject();
            }
            gen.writeEndObject();
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, List<String> value) {
            return value == null || value.isEmpty();
        }
    }

    static final class ObjectSetDeserializer extends JsonDeserializer<List<String>> {
        @Override
        public List<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                @SuppressWarnings("unchecked")
                List<String> none = (List<String>) ctxt.handleUnexpectedToken(List.class, p.currentToken(), p,
                        "expected a JSON object whose keys are the entries, e.g. {\"8080/tcp\": {}}");
                return none;
            }
            List<String> keys = new ArrayList<>();
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                keys.add(name);
                p.nextToken();
                p.skipChildren(); // the values carry nothing (always {} as Docker writes them)
            }
            return keys;
        }
    }
}
