package io.gantry.agent.node;

import io.gantry.agent.logs.LogSink;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerHandle;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerRuntimeException;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.agent.runtime.RuntimeCapabilities;
import io.gantry.agent.runtime.StartRequest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The runtime of a node where no OCI runtime works: every call says why. */
final class UnavailableRuntime implements ContainerRuntime {

    private final String why;

    UnavailableRuntime(String why) {
        this.why = why;
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities("none", why, false, false, false, "none");
    }

    @Override
    public ContainerHandle start(StartRequest request) {
        throw new ContainerRuntimeException.StartFailed(request.id(), why, (ContainerExit) null);
    }

    @Override
    public CompletionStage<ContainerExit> await(String id) {
        return CompletableFuture.failedFuture(new ContainerRuntimeException.NotFound(id));
    }

    @Override
    public CompletionStage<ContainerExit> stop(String id, int signal, Duration grace) {
        return CompletableFuture.failedFuture(new ContainerRuntimeException.NotFound(id));
    }

    @Override
    public void kill(String id, int signal) {
        throw new ContainerRuntimeException.NotFound(id);
    }

    @Override
    public ContainerStatus state(String id) {
        throw new ContainerRuntimeException.NotFound(id);
    }

    @Override
    public void destroy(String id, boolean force) {
    }

    @Override
    public ContainerStatus recover(ContainerHandle handle, LogSink logs) {
        throw new ContainerRuntimeException.NotFound(handle.id());
    }

    @Override
    public List<String> list() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
