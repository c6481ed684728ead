package io.gantry.scheduler.view;

/** Why some allocations of a job have no node: how many, and the placer's summary per reason. */
public record PlacementFailureView(int unplaced, String reasons) {
}
