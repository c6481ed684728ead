package io.gantry.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The HTML page of a run: the text report, the fault schedule, and inline SVG plots over
 * simulated time (running vs desired allocations, nodes up vs ready in the scheduler,
 * utilisation), with the fault windows shaded. One self-contained file: no scripts, no fonts,
 * nothing fetched, so it opens on a machine with no network.
 */
final class HtmlReport {

    private static final int W = 900;
    private static final int H = 220;
    private static final int PAD = 40;

    private HtmlReport() {
    }

    static Path write(Path dir, SimResult r) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Gantry simulation, seed ").append(r.seed)
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1000px}pre{background:#f4f4f4;"
                        + "padding:1em;overflow-x:auto}h2{margin-top:1.5em}.bad{color:#b00}.ok{color:#070}"
                        + "svg{background:#fff;border:1px solid #ccc}</style></head><body>\n");
        b.append("<h1>Gantry simulation, seed ").append(r.seed).append(" — <span class=\"")
                .append(r.failed() ? "bad\">VIOLATION of " + esc(r.violatedInvariant()) : "ok\">OK")
                .append("</span></h1>\n");
        b.append("<pre>").append(esc(ReportText.full(r))).append("</pre>\n");
        if (r.failed()) {
            b.append("<h2>Violation</h2><pre>").append(esc(ReportText.violation(r))).append("</pre>\n");
        }
        List<SimStats.Sample> s = r.stats.samples;
        b.append("<h2>Allocations</h2>\n");
        b.append(chart(r, s, new String[] {"desired", "running"}, new String[] {"#999", "#1565c0"},
                List.of(x -> x.desired(), x -> x.running()), false));
        b.append("<h2>Nodes</h2>\n");
        b.append(chart(r, s, new String[] {"agents up (members)", "ready in the scheduler"},
                new String[] {"#2e7d32", "#ef6c00"}, List.of(x -> x.agentsUp(), x -> x.readyNodes()), false));
        b.append("<h2>Utilisation (reserved ÷ capacity of live nodes)</h2>\n");
        b.append(chart(r, s, new String[] {"cpu %", "memory %"}, new String[] {"#6a1b9a", "#00838f"},
                List.of(x -> 100 * x.cpu(), x -> 100 * x.memory()), true));
        b.append("<h2>Fault schedule</h2><pre>").append(esc(r.schedule.format())).append("</pre>\n");
        b.append("<p>Reproduce: <code>").append(esc(r.options.commandLine(r.seed, r.options.faults())))
                .append("</code></p>\n</body></html>\n");
        return save(dir, "seed-" + r.seed + ".html", b.toString());
    }

    static Path writeIndex(Path dir, List<SimResult> results) {
        StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>Gantry"
                + " simulation sweep</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
                + "text-align:right}.bad{color:#b00}</style></head><body><h1>Gantry simulation sweep</h1><table>"
                + "<tr><th>seed</th><th>result</th><th>faults</th><th>checks</th><th>converge p95 (s)</th>"
                + "<th>placements</th><th>trace hash</th></tr>\n");
        for (SimResult r : results) {
            b.append("<tr><td><a href=\"seed-").append(r.seed).append(".html\">").append(r.seed).append("</a></td><td")
                    .append(r.failed() ? " class=\"bad\">" + esc(r.violatedInvariant()) : ">ok").append("</td><td>")
                    .append(r.schedule.size()).append("</td><td>").append(r.checksRun()).append("</td><td>")
                    .append(r.convergeTimes.isEmpty() ? "-" : SimDurations.seconds(r.convergeQuantile(0.95)))
                    .append("</td><td>").append(r.placements()).append("</td><td><code>")
                    .append(r.traceHash.substring(0, 16)).append("</code></td></tr>\n");
        }
        b.append("</table></body></html>\n");
        return save(dir, "index.html", b.toString());
    }

    private static String chart(SimResult r, List<SimStats.Sample> s, String[] names, String[] colours,
                                List<ToDoubleFunction<SimStats.Sample>> series, boolean percent) {
        double max = percent ? 100 : 1;
        for (SimStats.Sample x : s) {
            for (ToDoubleFunction<SimStats.Sample> f : series) {
                max = Math.max(max, f.applyAsDouble(x));
            }
        }
        max *= 1.05;
        double tMax = Math.max(1, r.simulatedMillis);
        StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H + PAD)
                .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H + PAD).append("\">\n");
        for (Fault f : r.schedule.faults()) {
            double x0 = PAD + (W - 2 * PAD) * f.at() / tMax;
            double x1 = PAD + (W - 2 * PAD) * Math.max(f.end(), f.at() + 1000) / tMax;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"%d\" fill=\"#f8d7da\""
                    + " opacity=\"0.5\"><title>%s</title></rect>%n", x0, Math.max(1, x1 - x0), H - 10, esc(f.format())));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", PAD, H,
                W - PAD, H));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", PAD, PAD,
                H));
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            double y = H - (H - 10) * i / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>%n",
                    PAD - 4, y + 3, fmt(v)));
        }
        for (int i = 0; i <= 6; i++) {
            double t = tMax * i / 6;
            double x = PAD + (W - 2 * PAD) * i / 6.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>%n",
                    x, H + 14, SimDurations.format((long) t / 1000 * 1000)));
        }
        for (int k = 0; k < series.size(); k++) {
            StringBuilder pts = new StringBuilder();
            for (SimStats.Sample x : s) {
                double px = PAD + (W - 2 * PAD) * x.at() / tMax;
                double py = H - (H - 10) * series.get(k).applyAsDouble(x) / max;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(colours[k]).append("\" points=\"")
                    .append(pts).append("\"/>\n");
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n", PAD + 10 + k * 220, H + 22, colours[k],
                    PAD + 24 + k * 220, H + 31, esc(names[k])));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static Path save(Path dir, String name, String html) {
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve(name);
            Files.writeString(f, html, StandardCharsets.UTF_8);
            return f.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report " + name + " in " + dir, e);
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
