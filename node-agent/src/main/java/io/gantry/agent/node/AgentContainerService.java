package io.gantry.agent.node;

import io.gantry.agent.container.ContainerCommitter;
import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerPaths;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerService;
import io.gantry.agent.container.ContainerUnavailableException;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.container.RootfsProvider;
import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.agent.snapshot.SnapshotException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

/**
 * {@link ContainerService} over the {@link NodeAgent}: requests become asks with the configured
 * time limit (the wait for a container's end has none: it is asked again when a long limit
 * passes); diff and commit resolve the container through the agent and then do their file work
 * on the blocking executor.
 */
public final class AgentContainerService implements ContainerService {

    /** Longest a single wait is asked for before it is asked again (the scheduler's cap is ~248 days). */
    private static final Duration LONG_WAIT = Duration.ofDays(7);

    private final ActorSystem<?> system;
    private final ActorRef<NodeAgent.Command> agent;
    private final Duration timeout;
    private final ContainerPaths paths;
    private final RootfsProvider rootfs;
    private final Optional<ContainerCommitter> committer;
    private final Executor blocking;

    public AgentContainerService(ActorSystem<?> system, ActorRef<NodeAgent.Command> agent, Duration timeout,
                                 ContainerPaths paths, RootfsProvider rootfs, Optional<ContainerCommitter> committer,
                                 Executor blocking) {
        this.system = system;
        this.agent = agent;
        this.timeout = timeout;
        this.paths = paths;
        this.rootfs = rootfs;
        this.committer = committer;
        this.blocking = blocking;
    }

    @Override
    public CompletionStage<ContainerView> create(ContainerRequest request) {
        return AskPattern.askWithStatus(agent, r -> new NodeAgent.Create(request, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<ContainerView> run(ContainerRequest request) {
        return AskPattern.askWithStatus(agent, r -> new NodeAgent.Run(request, r), LONG_WAIT, system.scheduler());
    }

    @Override
    public CompletionStage<List<ContainerView>> list(boolean all) {
        return AskPattern.ask(agent, r -> new NodeAgent.ListContainers(all, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<ContainerView> inspect(String reference) {
        return AskPattern.askWithStatus(agent, r -> new NodeAgent.Inspect(reference, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<ContainerView> stop(String reference, Optional<Duration> grace) {
        // the stop itself may take the grace period, and a little for the runtime on top
        Duration limit = timeout.plus(grace.orElse(Duration.ofMinutes(10)));
        return AskPattern.askWithStatus(agent, r -> new NodeAgent.Stop(reference, grace, r), limit, system.scheduler());
    }

    @Override
    public CompletionStage<Void> remove(String reference, boolean force) {
        CompletionStage<org.apache.pekko.Done> done = AskPattern.<NodeAgent.Command, org.apache.pekko.Done>askWithStatus(
                agent, r -> new NodeAgent.Remove(reference, force, r), timeout.plus(Duration.ofSeconds(60)), system.scheduler());
        return done.thenApply(d -> null);
    }

    @Override
    public CompletionStage<ContainerView> awaitEnd(String reference) {
        CompletionStage<ContainerView> once = AskPattern.askWithStatus(agent, r -> new NodeAgent.Wait(reference, r),
                LONG_WAIT, system.scheduler());
        return once.handle((v, err) -> {
            if (err == null) {
                return CompletableFuture.completedFuture(v);
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof TimeoutException) {
                return awaitEnd(reference);
            }
            return CompletableFuture.<ContainerView>failedFuture(cause);
        }).thenCompose(s -> s);
    }

    @Override
    public CompletionStage<ContainerLogs> logs(String reference) {
        return inspect(reference).thenApply(v -> new ContainerLogs(v, paths.log(v.id()), awaitEnd(v.id())));
    }

    @Override
    public CompletionStage<ChangeSet> diff(String reference) {
        return inspect(reference).thenApplyAsync(v -> {
            try {
                return rootfs.changes(v.id());
            } catch (SnapshotException e) {
                if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                    throw new ContainerConflictException("container " + v.name() + " has no file system yet (" + v.phase().text() + ")");
                }
                throw new UncheckedIOException(e);
            } catch (IOException e) {
                throw new UncheckedIOException("diff of container " + v.name(), e);
            }
        }, blocking);
    }

    @Override
    public CompletionStage<CommittedImage> commit(String reference, String imageReference, Optional<String> comment) {
        if (committer.isEmpty()) {
            return CompletableFuture.failedFuture(new ContainerUnavailableException("this node cannot commit images"));
        }
        return inspect(reference).thenApplyAsync(v -> {
            try {
                return committer.get().commit(v, imageReference, comment);
            } catch (SnapshotException e) {
                if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                    throw new ContainerConflictException("container " + v.name() + " has no file system yet (" + v.phase().text() + ")");
                }
                throw new UncheckedIOException(e);
            } catch (IOException e) {
                throw new UncheckedIOException("commit container " + v.name() + " as " + imageReference, e);
            }
        }, blocking);
    }
}
