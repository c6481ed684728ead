package io.gantry.sim;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them on a command line or in a fault file: 500ms, 90s, 2m, 1h30m. */
public final class SimDurations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    private SimDurations() {
    }

    /** Milliseconds; throws with the offending text when it is not a duration. */
    public static long parseMillis(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty duration; write e.g. 90s, 2m, 1h or 1m30s");
        }
        Matcher m = PART.matcher(text);
        long total = 0;
        int pos = 0;
        while (pos < text.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 90s, 2m, 1h"
                        + " or 1m30s");
            }
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            pos = m.end();
        }
        return total;
    }

    /** The shortest form {@link #parseMillis} reads back to the same value. */
    public static String format(long millis) {
        if (millis == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        if (millis < 0) {
            b.append('-');
            millis = -millis;
        }
        long h = millis / 3_600_000;
        long m = millis / 60_000 % 60;
        long s = millis / 1000 % 60;
        long ms = millis % 1000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (ms > 0) {
            b.append(ms).append("ms");
        }
        return b.toString();
    }

    /** Seconds with millisecond precision, for traces and reports: "123.456". */
    public static String seconds(long millis) {
        StringBuilder b = new StringBuilder();
        appendSeconds(b, millis);
        return b.toString();
    }

    static void appendSeconds(StringBuilder b, long millis) {
        if (millis < 0) {
            b.append('-');
            millis = -millis;
        }
        b.append(millis / 1000).append('.');
        long ms = millis % 1000;
        if (ms < 100) {
            b.append('0');
        }
        if (ms < 10) {
            b.append('0');
        }
        b.append(ms);
    }
}
