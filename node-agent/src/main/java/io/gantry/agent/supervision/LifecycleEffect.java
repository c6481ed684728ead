package io.gantry.agent.supervision;

import io.gantry.agent.container.ResolvedImage;
import io.gantry.protocol.oci.Digest;

import java.time.Duration;
import java.util.Optional;

/**
 * What {@link ContainerLifecycle} asks its shell to do. The supervisor actor runs the blocking
 * ones off its thread and feeds their outcome back as a {@link LifecycleEvent}; the test driver
 * runs them inline.
 */
public sealed interface LifecycleEffect {

    /** Make the image local and ready; answer {@code ImageResolved} or {@code ImageFailed}. */
    record ResolveImage(String reference, Optional<Digest> manifest) implements LifecycleEffect {
    }

    /** Mount the rootfs, write the bundle and start the process; answer {@code Launched} or {@code LaunchFailed}. */
    record Launch(int run, ResolvedImage image) implements LifecycleEffect {
    }

    /** Wait for the process of {@code run} to end; answer {@code Exited}. */
    record Watch(int run) implements LifecycleEffect {
    }

    /** Send {@code signal}, SIGKILL after {@code grace}; the end arrives through {@link Watch}. */
    record Stop(int run, int signal, Duration grace) implements LifecycleEffect {
    }

    /** Deliver {@code RestartDue(run)} after {@code delay}. */
    record ArmRestart(int run, Duration delay) implements LifecycleEffect {
    }

    record CancelRestart() implements LifecycleEffect {
    }

    /** Write the container's record to the node's state directory. */
    record Persist() implements LifecycleEffect {
    }

    /** The container's view changed: tell whoever shows or reports it. */
    record Publish() implements LifecycleEffect {
    }

    /** No more runs without a new request: answer those waiting for the container to end. */
    record Finished() implements LifecycleEffect {
    }

    /** Remove everything of the container but its volumes; answer {@code TornDown} or {@code TeardownFailed}. */
    record Teardown() implements LifecycleEffect {
    }

    /** The container is gone (record deleted too): answer removal requests, stop supervising. */
    record Removed() implements LifecycleEffect {
    }

    /** A removal could not be completed; the container stays, with the error as its message. */
    record RemoveFailed(String error) implements LifecycleEffect {
    }
}
