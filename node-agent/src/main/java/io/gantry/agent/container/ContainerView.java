package io.gantry.agent.container;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.JobSpec;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One container as the node shows it (list, inspect, the scheduler's reports): identity, phase,
 * the current or last run, restarts, and the spec it runs.
 *
 * @param imageDigest   the manifest (or index) digest the image resolved to, once resolved
 * @param pid           host pid of the container's init while it runs, else 0
 * @param exit          how the last run ended, when it has ended and the status is known
 * @param exitDetail    what is known besides the status ("exited while the agent was away", why
 *                      the status is unknown); empty when there is nothing to add
 * @param restartCount  restarts so far (the first run is not a restart)
 * @param crashLooping  the last runs all ended soon after they started (CrashLoopBackOff)
 * @param nextRestartAt while in {@link ContainerPhase#BACKOFF}: when the next attempt is due
 * @param message       the latest reason or error in words ("restart 2 of 3 in 400 ms", "pull ...: not found")
 * @param allocation    set when the scheduler placed it (its allocation id); empty for a local container
 * @param stopRequested someone asked it to stop (a stopped container is not restarted)
 * @param command       the argv of its process once known (image Entrypoint/Cmd with overrides)
 */
public record ContainerView(
        String id,
        String name,
        String image,
        Optional<String> imageDigest,
        ContainerPhase phase,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        long pid,
        Optional<ExitStatus> exit,
        String exitDetail,
        int restartCount,
        boolean crashLooping,
        Optional<Instant> nextRestartAt,
        String message,
        Optional<AllocationId> allocation,
        boolean autoRemove,
        boolean stopRequested,
        List<String> command,
        JobSpec spec) {

    public ContainerView {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(imageDigest, "imageDigest");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(exit, "exit");
        exitDetail = exitDetail == null ? "" : exitDetail;
        Objects.requireNonNull(nextRestartAt, "nextRestartAt");
        message = message == null ? "" : message;
        Objects.requireNonNull(allocation, "allocation");
        command = List.copyOf(command);
        Objects.requireNonNull(spec, "spec");
    }

    /** The last exit code, or -1 when the container has not ended or the status is unknown. */
    public int exitCode() {
        return exit.map(ExitStatus::code).orElse(-1);
    }

    public boolean oomKilled() {
        return exit.map(ExitStatus::oomKilled).orElse(false);
    }
}
