package io.gantry.agent.runtime;

import io.gantry.agent.logs.LogSink;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Runs containers from OCI bundles; shaped like Nomad's DriverPlugin (StartTask, WaitTask,
 * StopTask, SignalTask, DestroyTask, InspectTask, RecoverTask, Capabilities).
 *
 * <p>Life cycle of one container: {@link #start} returns once the container's process runs
 * (or throws {@link ContainerRuntimeException.StartFailed}); {@link #await} completes with its
 * {@link ContainerExit} after its output has been fully delivered to the {@link LogSink};
 * {@link #stop} signals it and escalates to SIGKILL after a grace period; {@link #destroy}
 * removes everything the runtime created for it (state, cgroups, fifos), never the bundle or
 * the rootfs, which belong to the caller.
 *
 * <p>Agent restarts: containers outlive the agent. {@link #close} lets go of them without
 * stopping them; a new instance takes each one back with {@link #recover} from the
 * {@link ContainerHandle} that {@link #start} returned, after which the container is
 * supervised, logged and stoppable as if it had been started by that instance.
 */
public interface ContainerRuntime extends AutoCloseable {

    RuntimeCapabilities capabilities();

    /**
     * An optional head start on {@link #start} with the same request, made while the caller is
     * still writing the bundle: the runtime may set up whatever does not read it (OciCliRuntime
     * starts the container's shim). Returns at once; a failure surfaces from {@code start}.
     * {@link #destroy} undoes a preparation that is never started.
     */
    default void prepare(StartRequest request) {
    }

    /** Creates and starts the container; returns once its process runs. */
    ContainerHandle start(StartRequest request);

    /** Completes when the container has exited and its output is drained. */
    CompletionStage<ContainerExit> await(String id);

    /**
     * Sends {@code signal}, then SIGKILL if the container still runs after {@code grace};
     * completes like {@link #await}. Stopping an exited container completes at once.
     */
    CompletionStage<ContainerExit> stop(String id, int signal, Duration grace);

    /** Sends one signal to the container's init, no escalation. */
    void kill(String id, int signal);

    /** Current view of the container. */
    ContainerStatus state(String id);

    /**
     * Removes the runtime's records and resources for the container. A running container is
     * killed first when {@code force}, else {@link ContainerRuntimeException.FailedPrecondition}.
     * Idempotent: destroying an unknown or already destroyed id does nothing.
     */
    void destroy(String id, boolean force);

    /**
     * Takes back a container started by an earlier instance (e.g. before the agent restarted).
     * Returns its status: running (output flows into {@code logs} again), or exited with the
     * recorded status, or exited with an unknown status if nothing recorded it.
     */
    ContainerStatus recover(ContainerHandle handle, LogSink logs);

    /** Ids of every container this runtime holds records for, adopted or not (orphan sweeps). */
    List<String> list();

    /** Lets go of all containers without stopping them. */
    @Override
    void close();
}
