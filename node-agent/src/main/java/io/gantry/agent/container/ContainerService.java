package io.gantry.agent.container;

import io.gantry.agent.snapshot.ChangeSet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The node's containers as the node API and the CLI see them, in {@code docker}'s verbs. A
 * {@code reference} is a container id, its name, or a prefix of its id that no other container
 * shares. Failures arrive as {@link ContainerException}s: not found, conflict (ambiguous prefix,
 * name in use, still running), invalid request, unavailable.
 */
public interface ContainerService {

    /** Creates the container and starts it (pulling its image if needed); completes once created. */
    CompletionStage<ContainerView> create(ContainerRequest request);

    /**
     * Creates and starts the container and completes once it has ended for good, with its
     * exit ({@code docker run} attached, {@code ?wait=true}): {@link #create} then
     * {@link #awaitEnd} in one request to the agent.
     */
    CompletionStage<ContainerView> run(ContainerRequest request);

    /** Newest first; those that ended too when {@code all}. */
    CompletionStage<List<ContainerView>> list(boolean all);

    CompletionStage<ContainerView> inspect(String reference);

    /** Stop signal, then SIGKILL after {@code grace} (default: the container's); completes once stopped. */
    CompletionStage<ContainerView> stop(String reference, Optional<Duration> grace);

    /** Removes an ended container (any, with {@code force}: it is killed first); volumes stay. */
    CompletionStage<Void> remove(String reference, boolean force);

    /** Completes when the container has ended and no restart is due (or it was removed). */
    CompletionStage<ContainerView> awaitEnd(String reference);

    /** Where the container's log is, and when it will have nothing more to say. */
    CompletionStage<ContainerLogs> logs(String reference);

    /** Its changes against the image, as {@code docker diff} lists them. */
    CompletionStage<ChangeSet> diff(String reference);

    /** A new image from its image plus its writable layer, named {@code reference}. */
    CompletionStage<CommittedImage> commit(String reference, String imageReference, Optional<String> comment);

    /** A container's log file and the moment it is complete. */
    record ContainerLogs(ContainerView container, Path file, CompletionStage<ContainerView> ended) {
    }

    /** The image a commit made. */
    record CommittedImage(String reference, String digest, String layerDiffId, long layerSize) {
    }
}
