package io.gantry.ops.node.images;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shows a pull's per-layer progress lines. On a terminal: one line per layer with a progress
 * bar, redrawn in place (ANSI cursor-up), as {@code docker pull} does. Otherwise (a pipe, a log,
 * a test): one plain line each time a layer's status changes, no bars.
 */
final class PullProgressView {

    private static final int BAR = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, String> lines = new LinkedHashMap<>();
    private final Map<String, String> statuses = new LinkedHashMap<>();
    private int drawn;

    PullProgressView(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void onEvent(JsonNode event) {
        String layer = event.path("layer").asText("");
        if (layer.isEmpty()) {
            return;
        }
        String status = event.path("status").asText("");
        long current = event.path("current").asLong();
        long total = event.path("total").asLong();
        String source = event.path("source").asText(null);
        if (terminal) {
            lines.put(layer, bar(layer, status, current, total, source));
            redraw();
        } else if (!status.equals(statuses.get(layer))) {
            statuses.put(layer, status);
            out.println(plain(layer, status, total, source));
            out.flush();
        }
    }

    private void redraw() {
        StringBuilder b = new StringBuilder();
        if (drawn > 0) {
            b.append("\033[").append(drawn).append('A');
        }
        for (String line : lines.values()) {
            b.append("\r\033[2K").append(line).append('\n');
        }
        drawn = lines.size();
        out.print(b);
        out.flush();
    }

    static String plain(String layer, String status, long total, String source) {
        return shortDigest(layer) + ": " + status + (status.equals("downloading") ? " " + size(total) : "")
                + (source != null && status.equals("downloading") ? " from " + source : "");
    }

    static String bar(String layer, String status, long current, long total, String source) {
        double fraction = total <= 0 ? 1 : Math.min(1, (double) current / total);
        if (!status.equals("downloading")) {
            fraction = 1;
        }
        int filled = (int) Math.round(fraction * BAR);
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 && filled < BAR ? ">" : filled == BAR ? "=" : "")
                + " ".repeat(BAR - filled);
        return String.format(Locale.ROOT, "%s  %-11s [%s] %9s / %-9s%s", shortDigest(layer), status, bar,
                size(status.equals("downloading") ? current : total), size(total),
                source == null ? "" : "  " + source);
    }

    static String shortDigest(String digest) {
        int colon = digest.indexOf(':');
        String hex = colon < 0 ? digest : digest.substring(colon + 1);
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }
}
