package io.gantry.sim;

import io.gantry.agent.restart.RestartState;
import io.gantry.agent.restart.RestartTracker;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeResources;

import java.util.Optional;

/**
 * One allocation on a simulated agent, from RunAllocation until it is finished: the fake
 * runtime's container plus what the agent's supervisor keeps (restart state, last exit). Timers
 * that belong to it carry its {@link #gen}, which every change of plan bumps, so a stale timer
 * does nothing when it fires.
 */
public final class SimContainer {

    /** Where the container is, as the agent's supervisor sees it. */
    public enum Phase {
        /** fetching the image's layers */
        PULLING,
        /** creating and starting the container */
        STARTING,
        /** the process runs */
        RUNNING,
        /** exited; waiting out the restart delay */
        BACKOFF,
        /** asked to stop; the process runs until it exits or the stop timeout kills it */
        STOPPING,
        /** finished; kept for a while to answer reconcile requests */
        DONE
    }

    final AllocationId id;
    final JobSpec spec;
    final long jobVersion;
    final int index;
    final Workload.Job job;
    final int node;
    final NodeResources reserved;
    final RestartTracker tracker;
    Phase phase;
    AllocationState terminal;
    RestartState restart = RestartState.INITIAL;
    int gen;
    long runningSince = -1;
    long createdAt;
    Optional<ExitStatus> lastExit = Optional.empty();
    String message = "";
    long nextRestartAt = -1;
    /** the agent's wall-clock time of the next restart, as the tracker computed it */
    java.time.Instant nextAttemptAt;
    boolean stopRequested;
    /** lost in a machine crash; the next agent process reports it from its state directory */
    boolean reportOnStart;
    /** the exit that the program has planned (set when it starts running) */
    ExitStatus plannedExit;
    /** the process ended while the agent was down: handled when the agent comes back */
    ExitStatus exitedWhileAgentDown;
    long exitedAt = -1;
    /** the checker's own restart model (see Checker) */
    int checkerAttempt;
    int checkerRestarts;
    long checkerExitAt = -1;
    long checkerExpectedDelay = -1;
    long checkerMaxDelay = -1;
    boolean checkerAgentGap;
    boolean good;
    boolean live = true;

    SimContainer(AllocationId id, JobSpec spec, long jobVersion, int index, Workload.Job job, int node,
                 RestartTracker tracker, long now) {
        this.id = id;
        this.spec = spec;
        this.jobVersion = jobVersion;
        this.index = index;
        this.job = job;
        this.node = node;
        this.reserved = NodeResources.of(spec.resources());
        this.tracker = tracker;
        this.createdAt = now;
    }

    public AllocationId id() {
        return id;
    }

    public String jobId() {
        return spec.id();
    }

    public int index() {
        return index;
    }

    public Phase phase() {
        return phase;
    }

    public int node() {
        return node;
    }

    /** The process exists (running, or still running while it is being stopped). */
    boolean processAlive() {
        return phase == Phase.RUNNING || phase == Phase.STOPPING;
    }

    /** Counts against its node's capacity: everything but finished and being killed. */
    boolean holdsCapacity() {
        return phase != Phase.DONE && phase != Phase.STOPPING;
    }

    /** What the agent reports for it. */
    AllocationState reportedState() {
        return switch (phase) {
            case PULLING -> AllocationState.PULLING;
            case STARTING, BACKOFF -> AllocationState.STARTING;
            case RUNNING, STOPPING -> AllocationState.RUNNING;
            case DONE -> terminal;
        };
    }
}
