package io.gantry.scheduler.placement;

import java.util.List;

/**
 * The filters, cheapest first. The free-capacity indexes already skip nodes that are not ready
 * or lack room, so on the hot path only constraints and {@code distinct_hosts} run per
 * candidate; the whole pipeline runs when a failure is explained.
 */
final class NodeFilters {

    private NodeFilters() {
    }

    static final NodeFilter NODE_STATUS = (s, p, ask) -> switch (s.nodes[p].status()) {
        case READY -> null;
        case DRAINING -> "node draining";
        case DOWN -> "node down";
    };

    static final NodeFilter CONSTRAINTS = (s, p, ask) -> {
        var labels = s.nodes[p].labels();
        for (int i = 0; i < ask.constraints.length; i++) {
            if (!ask.constraints[i].matches(labels)) {
                return ask.constraintReasons[i];
            }
        }
        return null;
    };

    static final NodeFilter DISTINCT_HOSTS = (s, p, ask) ->
            ask.distinctHosts && ask.jobCounts.get(p) > 0 ? "distinct_hosts: job already on node" : null;

    static final NodeFilter RESOURCES = (s, p, ask) -> {
        boolean cpu = s.freeCpu[p] < ask.cpu;
        boolean mem = s.freeMem[p] < ask.mem;
        if (cpu && mem) {
            return "insufficient cpu and memory";
        }
        return cpu ? "insufficient cpu" : mem ? "insufficient memory" : null;
    };

    /** The full pipeline, in the order a rejected node is attributed to a reason. */
    static final List<NodeFilter> PIPELINE = List.of(NODE_STATUS, CONSTRAINTS, DISTINCT_HOSTS, RESOURCES);

    /** What the indexes do not already guarantee for a node they returned. */
    static final List<NodeFilter> PER_CANDIDATE = List.of(CONSTRAINTS, DISTINCT_HOSTS);
}
