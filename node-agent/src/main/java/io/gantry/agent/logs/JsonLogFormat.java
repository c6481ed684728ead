package io.gantry.agent.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Docker's json-file log line: {@code {"log":"hi\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}}.
 * The encoder matches what dockerd writes (Go's RFC3339Nano with trailing zeros trimmed, HTML
 * characters escaped as Go's encoder does, invalid UTF-8 replaced by U+FFFD) so that tools that
 * read Docker's files read Gantry's.
 */
public final class JsonLogFormat {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonLogFormat() {
    }

    /** One encoded line, with its terminating newline. */
    public static byte[] encode(LogStream stream, byte[] bytes, int offset, int length, Instant time) {
        String text = decodeUtf8(bytes, offset, length);
        StringBuilder sb = new StringBuilder(length + 64);
        sb.append("{\"log\":\"");
        escape(text, sb);
        sb.append("\",\"stream\":\"").append(stream.wireName()).append("\",\"time\":\"");
        appendRfc3339Nano(time, sb);
        sb.append("\"}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static LogEntry decode(String line) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a json-file log line: " + abbreviate(line), e);
        }
        JsonNode log = node.get("log");
        JsonNode stream = node.get("stream");
        JsonNode time = node.get("time");
        if (log == null || stream == null || time == null) {
            throw new IllegalArgumentException("json-file log line lacks log, stream or time: " + abbreviate(line));
        }
        Instant instant;
        try {
            instant = Instant.parse(time.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad time '" + time.asText() + "' in log line", e);
        }
        return new LogEntry(instant, LogStream.fromWireName(stream.asText()), log.asText());
    }

    /** Go's {@code time.RFC3339Nano} in UTC: fractional seconds with trailing zeros removed. */
    public static String formatTime(Instant time) {
        StringBuilder sb = new StringBuilder(32);
        appendRfc3339Nano(time, sb);
        return sb.toString();
    }

    private static void appendRfc3339Nano(Instant time, StringBuilder sb) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(time.getEpochSecond(), 0, ZoneOffset.UTC);
        pad(sb, t.getYear(), 4).append('-');
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append('T');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2);
        int nanos = time.getNano();
        if (nanos != 0) {
            String frac = String.format("%09d", nanos);
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(frac, 0, end);
        }
        sb.append('Z');
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }

    private static void escape(String s, StringBuilder sb) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }

    private static String decodeUtf8(byte[] bytes, int offset, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, offset, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            // REPLACE never throws; keep the compiler satisfied without hiding a real failure
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
