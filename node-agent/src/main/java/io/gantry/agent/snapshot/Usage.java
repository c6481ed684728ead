package io.gantry.agent.snapshot;

/** Disk use of what a snapshot itself holds (not its parents): bytes and inodes. */
public record Usage(long size, long inodes) {
}
