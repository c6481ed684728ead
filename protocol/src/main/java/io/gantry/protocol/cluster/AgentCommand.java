package io.gantry.protocol.cluster;

/**
 * What the scheduler tells a node agent. Each command carries the {@link #epoch()} of the
 * scheduler incarnation that sent it: the cluster singleton's epoch grows every time it starts,
 * and an agent drops a command whose epoch is lower than the highest it has accepted, so a
 * deposed scheduler that is still running cannot start or stop anything (fencing, as Flink's
 * TaskExecutor does with the leader id).
 */
public sealed interface AgentCommand extends ClusterMessage
        permits NodeRegistered, RunAllocation, StopAllocation, ReconcileRequest {

    long epoch();
}
