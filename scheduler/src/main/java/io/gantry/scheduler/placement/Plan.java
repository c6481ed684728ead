package io.gantry.scheduler.placement;

import java.util.List;

/**
 * The placer's answer for one batch of pending allocations: where each placeable one goes, and
 * why each other one could not go anywhere. A plan changes nothing by itself; the scheduler core
 * turns it into a {@code PlanApplied} event (decide, then apply).
 */
public record Plan(List<Placement> placements, List<PlacementFailure> failures, Stats stats) {

    /** What the plan cost: nodes in the snapshot, candidate nodes scored, nodes examined by filters. */
    public record Stats(int nodes, long candidatesScored, long nodesFiltered) {
    }

    public Plan {
        placements = List.copyOf(placements);
        failures = List.copyOf(failures);
    }
}
