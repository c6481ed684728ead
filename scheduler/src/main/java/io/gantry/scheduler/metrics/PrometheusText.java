package io.gantry.scheduler.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders {@link MetricsSnapshot} in the Prometheus text exposition format 0.0.4: a {@code # HELP}
 * and {@code # TYPE} line per family, labels sorted, histograms as cumulative {@code _bucket}
 * series with {@code le} plus {@code _sum} and {@code _count}.
 */
public final class PrometheusText {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    private PrometheusText() {
    }

    /** The scheduler's metrics, then those of the node that answers (its JVM). */
    public static String render(MetricsSnapshot m, Map<String, Double> nodeGauges) {
        PrometheusText p = new PrometheusText();
        p.gauge("gantry_scheduler_epoch", "The epoch of the running scheduler incarnation.", m.epoch());
        p.labelled("gantry_jobs", "Jobs by status.", "gauge", "status", m.jobsByStatus());
        p.labelled("gantry_allocations", "Allocations the scheduler keeps, by state.", "gauge", "state",
                m.allocationsByState());
        p.labelled("gantry_nodes", "Nodes by status.", "gauge", "status", m.nodesByStatus());
        p.counter("gantry_placements_total", "Allocations placed on a node.", m.placementsTotal());
        p.counter("gantry_placement_failures_total",
                "Plans in which some allocation of a job found no node (one per job and plan).",
                m.placementFailuresTotal());
        p.counter("gantry_scheduler_commands_total",
                "Commands the scheduler handled: user requests, agent reports, members leaving (not its ticks).",
                m.commandsTotal());
        p.counter("gantry_scheduler_events_persisted_total", "Events written to the scheduler's journal.",
                m.eventsPersistedTotal());
        p.counter("gantry_agent_commands_sent_total", "Commands sent to node agents.", m.agentCommandsSentTotal());
        p.counter("gantry_agent_commands_undeliverable_total",
                "Commands for a node whose agent has not registered with this scheduler incarnation.",
                m.agentCommandsUndeliverableTotal());
        p.histogram("gantry_placement_latency_seconds",
                "Time to decide a plan that placed allocations, from the command in to the plan out.",
                m.placementLatency());
        p.histogram("gantry_journal_write_latency_seconds",
                "Time from handing events to the journal until they are durable.", m.persistLatency());
        p.histogram("gantry_allocation_pending_seconds",
                "How long each placed allocation waited for a node.", m.pendingWait());
        new TreeMap<>(nodeGauges).forEach((name, value) -> p.gauge(name, "This node's JVM: " + name + ".", value));
        return p.out.toString();
    }

    private void header(String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void gauge(String name, String help, double value) {
        header(name, help, "gauge");
        out.append(name).append(' ').append(number(value)).append('\n');
    }

    private void counter(String name, String help, long value) {
        header(name, help, "counter");
        out.append(name).append(' ').append(value).append('\n');
    }

    private void labelled(String name, String help, String type, String label, Map<String, Long> values) {
        header(name, help, type);
        new TreeMap<>(values).forEach((k, v) ->
                out.append(name).append('{').append(label).append("=\"").append(escape(k)).append("\"} ")
                        .append(v).append('\n'));
    }

    private void histogram(String name, String help, Histogram.Snapshot h) {
        header(name, help, "histogram");
        for (int i = 0; i < h.bounds().size(); i++) {
            out.append(name).append("_bucket{le=\"").append(number(h.bounds().get(i))).append("\"} ")
                    .append(h.cumulativeCounts().get(i)).append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(h.count()).append('\n');
        out.append(name).append("_sum ").append(number(h.sum())).append('\n');
        out.append(name).append("_count ").append(h.count()).append('\n');
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
