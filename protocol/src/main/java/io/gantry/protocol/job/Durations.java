package io.gantry.protocol.job;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as job documents write them: Go-style strings of whole numbers with units,
 * {@code "250ms"}, {@code "1s"}, {@code "1m30s"}, {@code "2h"} (units {@code ns}, {@code us},
 * {@code ms}, {@code s}, {@code m}, {@code h}; {@code "0"} alone is zero). Strings rather than
 * bare numbers so that a value is never read in the wrong unit; the same syntax as Nomad and
 * Docker's Go tooling, so users already know it.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ns|us|ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:ns|us|ms|s|m|h))+");

    private Durations() {
    }

    /** Parses a duration string; the exception message says what is wrong and shows the syntax. */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("duration is null");
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (!WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a duration; write a whole number with a unit, such as \"500ms\", \"10s\", \"1m30s\" or \"2h\"");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text);
        try {
            while (m.find()) {
                long amount = Long.parseLong(m.group(1));
                Duration part = switch (m.group(2)) {
                    case "ns" -> Duration.ofNanos(amount);
                    case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1_000L));
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> throw new IllegalStateException(m.group(2));
                };
                total = total.plus(part);
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a duration");
        }
        return total;
    }

    /** The shortest string {@link #parse} reads back to the same duration, e.g. {@code "1m30s"}. */
    public static String format(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration " + d + " has no job-document form");
        }
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long seconds = d.getSeconds();
        long hours = seconds / 3600;
        long minutes = (seconds % 3600) / 60;
        long secs = seconds % 60;
        int nanos = d.getNano();
        append(out, hours, "h");
        append(out, minutes, "m");
        append(out, secs, "s");
        append(out, nanos / 1_000_000, "ms");
        append(out, (nanos / 1_000) % 1_000, "us");
        append(out, nanos % 1_000, "ns");
        return out.toString();
    }

    private static void append(StringBuilder out, long amount, String unit) {
        if (amount != 0) {
            out.append(amount).append(unit);
        }
    }
}
