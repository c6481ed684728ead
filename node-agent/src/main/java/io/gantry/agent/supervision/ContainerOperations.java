package io.gantry.agent.supervision;

import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerHandle;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.protocol.oci.Digest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The work behind the lifecycle's effects, for one node: images, root file systems, bundles,
 * the runtime, logs and records. The blocking methods are called from a blocking-I/O thread,
 * never from an actor; the {@link CompletionStage}s complete on the runtime's threads and are
 * piped back to the supervisor.
 */
public interface ContainerOperations {

    /** The outcome of a launch: the runtime's handle, the stop signal and the argv. */
    record Started(ContainerHandle handle, int stopSignal, List<String> command) {
    }

    ResolvedImage resolveImage(String reference, Optional<Digest> manifest) throws Exception;

    /** {@link #resolveImage} from memory only, without blocking; empty when there is work to do. */
    default Optional<ResolvedImage> cachedImage(String reference, Optional<Digest> manifest) {
        return Optional.empty();
    }

    /** Mounts the rootfs (kept across runs), writes the bundle and starts run {@code run}. */
    Started launch(ContainerLifecycle.Identity container, int run, ResolvedImage image) throws Exception;

    /** Completes when the current run's process has ended and its output is in the log. */
    CompletionStage<ContainerExit> watch(String id);

    CompletionStage<ContainerExit> stop(String id, int signal, Duration grace);

    /** After an agent restart: takes the run of {@code record} back from the runtime, logs flowing again. */
    Optional<ContainerStatus> recover(ContainerRecord record);

    void persist(ContainerRecord record);

    /**
     * Removes the runtime's state, the writable layer (unmounted), the bundle, the logs and the
     * record; volumes stay. Repeatable.
     */
    void teardown(String id) throws Exception;
}
