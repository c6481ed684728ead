package io.gantry.agent.supervision;

import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.restart.RestartState;
import io.gantry.agent.runtime.ContainerHandle;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.oci.Digest;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent keeps on disk about one container ({@code state/containers/<id>.json}) so that
 * an agent that restarts knows what it ran: the identity and spec, where the container was in
 * its life, and the runtime's handle of the run in progress. Written whenever one of these
 * changes, always whole, through a temp file and a rename.
 *
 * @param run           how many runs were launched (the current one's number)
 * @param imageDigest   what the image resolved to (the manifest or index digest), once resolved
 * @param handle        the current run's handle while a process may exist
 * @param stopSignal    the signal that stops it (from the image's StopSignal)
 */
public record ContainerRecord(
        int version,
        String id,
        String name,
        JobSpec spec,
        Optional<AllocationId> allocation,
        Optional<Digest> pinnedManifest,
        boolean autoRemove,
        Instant createdAt,
        ContainerPhase phase,
        int run,
        Optional<String> imageDigest,
        Optional<ContainerHandle> handle,
        RestartState restart,
        boolean crashLooping,
        Optional<Instant> nextRestartAt,
        Optional<ExitStatus> exit,
        String exitDetail,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        boolean stopRequested,
        boolean removeRequested,
        String message,
        int stopSignal,
        List<String> command) {

    public static final int VERSION = 1;

    public ContainerRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(allocation, "allocation");
        Objects.requireNonNull(pinnedManifest, "pinnedManifest");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(imageDigest, "imageDigest");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(nextRestartAt, "nextRestartAt");
        Objects.requireNonNull(exit, "exit");
        exitDetail = exitDetail == null ? "" : exitDetail;
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        message = message == null ? "" : message;
        command = command == null ? List.of() : List.copyOf(command);
    }
}
