package io.gantry.scheduler.placement;

import io.gantry.protocol.node.NodeId;

import java.util.List;
import java.util.StringJoiner;

/**
 * Why no node took an allocation, aggregated per reason as Nomad's allocation metrics and
 * kube-scheduler's "0/10 nodes are available" do: each node counts once, under the first filter
 * of the pipeline that rejected it, and each reason keeps a few example nodes so an operator can
 * look one up. Compact at any cluster size: a handful of reasons, not one line per node.
 */
public record FailureSummary(int nodesEvaluated, List<Reason> reasons) {

    /** How many example nodes a reason keeps. */
    public static final int EXAMPLES = 3;

    public record Reason(String reason, int nodes, List<NodeId> examples) {
        public Reason {
            examples = List.copyOf(examples);
        }
    }

    public FailureSummary {
        reasons = List.copyOf(reasons);
    }

    /** The one-line form shown in the API, e.g. {@code 7 nodes: insufficient memory; 2 nodes: constraint zone = b not met}. */
    public String text() {
        if (nodesEvaluated == 0) {
            return "no nodes registered";
        }
        StringJoiner j = new StringJoiner("; ");
        for (Reason r : reasons) {
            j.add(r.nodes() + (r.nodes() == 1 ? " node: " : " nodes: ") + r.reason());
        }
        return j.toString();
    }

    @Override
    public String toString() {
        return text();
    }
}
