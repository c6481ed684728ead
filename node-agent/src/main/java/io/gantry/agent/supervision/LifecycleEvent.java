package io.gantry.agent.supervision;

import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerHandle;
import io.gantry.agent.runtime.ContainerStatus;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What happens to a container, as input to {@link ContainerLifecycle}: requests, and the
 * outcomes of the work its effects asked for. Outcomes of one run carry the run's number so a
 * late result of an earlier run cannot be taken for the current one.
 */
public sealed interface LifecycleEvent {

    /** A new container: begin with its image. */
    record Start() implements LifecycleEvent {
    }

    /** After an agent restart: what the runtime knows of the container's run (empty: nothing). */
    record Recovered(Optional<ContainerStatus> runtime) implements LifecycleEvent {
        public Recovered {
            Objects.requireNonNull(runtime, "runtime");
        }
    }

    record ImageResolved(ResolvedImage image) implements LifecycleEvent {
        public ImageResolved {
            Objects.requireNonNull(image, "image");
        }
    }

    record ImageFailed(String error) implements LifecycleEvent {
    }

    /**
     * The process of run {@code run} runs.
     *
     * @param stopSignal the signal that asks it to stop (the image's StopSignal, else SIGTERM)
     * @param command    its argv
     */
    record Launched(int run, ContainerHandle handle, int stopSignal, List<String> command) implements LifecycleEvent {
        public Launched {
            Objects.requireNonNull(handle, "handle");
            command = List.copyOf(command);
        }
    }

    record LaunchFailed(int run, String error) implements LifecycleEvent {
    }

    record Exited(int run, ContainerExit exit) implements LifecycleEvent {
        public Exited {
            Objects.requireNonNull(exit, "exit");
        }
    }

    /** The restart timer armed after run {@code run} fired. */
    record RestartDue(int run) implements LifecycleEvent {
    }

    /** Stop (stop signal, {@code grace}, then SIGKILL) and do not restart. */
    record StopRequested(Duration grace, String reason) implements LifecycleEvent {
        public StopRequested {
            Objects.requireNonNull(grace, "grace");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Remove the container; a running one only with {@code force} (SIGKILL first). */
    record RemoveRequested(boolean force) implements LifecycleEvent {
    }

    record TornDown() implements LifecycleEvent {
    }

    record TeardownFailed(String error) implements LifecycleEvent {
    }
}
