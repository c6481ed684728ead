package io.gantry.agent.runtime;

import io.gantry.agent.logs.LogStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ContainerRuntime} must do, run against each implementation (containerd's
 * snapshots/testsuite pattern). Subclasses say how to make containers that behave a given way.
 */
abstract class ContainerRuntimeContract {

    protected final List<String> started = new ArrayList<>();

    /** The runtime under test (the same instance for the whole test). */
    protected abstract ContainerRuntime runtime();

    /** A new instance over the same containers, the old one closed: an agent restart. */
    protected abstract ContainerRuntime restart();

    /** Prints {@code text} on stdout, {@code err} on stderr, then exits with {@code code}. */
    protected abstract StartRequest printsAndExits(String id, String text, String err, int code, CollectingLogSink sink) throws Exception;

    /**
     * Runs until a SIGTERM, which it handles by exiting with 143; prints "ready" once the handler
     * is in place (a signal before that is dropped: the container's init has no handler yet).
     */
    protected abstract StartRequest exitsOnTerm(String id, CollectingLogSink sink) throws Exception;

    /** Runs and ignores SIGTERM; only SIGKILL ends it. */
    protected abstract StartRequest ignoresTerm(String id, CollectingLogSink sink) throws Exception;

    protected String id(String name) {
        String id = name + "-" + Long.toHexString(System.nanoTime());
        started.add(id);
        return id;
    }

    @AfterEach
    void destroyAll() {
        for (String id : started) {
            try {
                runtime().destroy(id, true);
            } catch (RuntimeException e) {
                // best effort, but a leak should be visible
                System.err.println("cleanup of " + id + ": " + e);
            }
        }
    }

    protected static void awaitReady(CollectingLogSink sink) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!sink.text(LogStream.STDOUT).contains("ready\n") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(sink.text(LogStream.STDOUT).contains("ready\n"), "container said ready");
    }

    protected static ContainerExit await(ContainerRuntime rt, String id) throws Exception {
        return rt.await(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void recordsExitCodeAndOutput() throws Exception {
        CollectingLogSink sink = new CollectingLogSink();
        String id = id("exit");
        ContainerHandle h = runtime().start(printsAndExits(id, "hi", "oops", 3, sink));
        assertEquals(id, h.id());
        ContainerExit exit = await(runtime(), id);
        assertEquals(3, exit.code());
        assertEquals(0, exit.signal());
        assertFalse(exit.oomKilled());
        assertEquals("hi\n", sink.text(LogStream.STDOUT));
        assertEquals("oops\n", sink.text(LogStream.STDERR));
        assertTrue(sink.closed(), "streams reported closed before the exit completes");
        assertEquals(ContainerState.EXITED, runtime().state(id).state());
    }

    @Test
    void stopSendsTheSignalFirst() throws Exception {
        String id = id("term");
        CollectingLogSink sink = new CollectingLogSink();
        runtime().start(exitsOnTerm(id, sink));
        assertEquals(ContainerState.RUNNING, runtime().state(id).state());
        awaitReady(sink);
        ContainerExit exit = runtime().stop(id, Signals.SIGTERM, Duration.ofSeconds(20)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals(143, exit.code());
        assertEquals(Signals.SIGTERM, exit.signal());
    }

    @Test
    void stopEscalatesToSigkillAfterTheGracePeriod() throws Exception {
        String id = id("grace");
        runtime().start(ignoresTerm(id, new CollectingLogSink()));
        long t0 = System.nanoTime();
        ContainerExit exit = runtime().stop(id, Signals.SIGTERM, Duration.ofMillis(500)).toCompletableFuture().get(20, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(137, exit.code());
        assertEquals(Signals.SIGKILL, exit.signal());
        assertTrue(ms >= 450, "killed only after the grace period, took " + ms + " ms");
    }

    @Test
    void killDeliversOneSignal() throws Exception {
        String id = id("kill");
        runtime().start(exitsOnTerm(id, new CollectingLogSink()));
        runtime().kill(id, Signals.SIGKILL);
        assertEquals(137, await(runtime(), id).code());
        assertThrows(ContainerRuntimeException.FailedPrecondition.class, () -> runtime().kill(id, Signals.SIGTERM));
    }

    @Test
    void destroyNeedsForceWhileRunningAndIsIdempotent() throws Exception {
        String id = id("destroy");
        runtime().start(exitsOnTerm(id, new CollectingLogSink()));
        assertThrows(ContainerRuntimeException.FailedPrecondition.class, () -> runtime().destroy(id, false));
        runtime().destroy(id, true);
        assertThrows(ContainerRuntimeException.NotFound.class, () -> runtime().state(id));
        runtime().destroy(id, true);
        assertFalse(runtime().list().contains(id));
    }

    @Test
    void sameIdTwiceIsRefused() throws Exception {
        String id = id("dup");
        runtime().start(exitsOnTerm(id, new CollectingLogSink()));
        assertThrows(ContainerRuntimeException.AlreadyExists.class,
                () -> runtime().start(exitsOnTerm(id, new CollectingLogSink())));
    }

    @Test
    void unknownIdIsNotFound() {
        assertThrows(ContainerRuntimeException.NotFound.class, () -> runtime().state("no-such-container"));
        assertThrows(ContainerRuntimeException.NotFound.class, () -> runtime().await("no-such-container"));
    }

    @Test
    void aRestartedAgentAdoptsARunningContainerAndCanStopIt() throws Exception {
        String id = id("adopt");
        CollectingLogSink sink = new CollectingLogSink();
        ContainerHandle h = runtime().start(exitsOnTerm(id, sink));
        awaitReady(sink);
        ContainerRuntime second = restart();
        CollectingLogSink sink2 = new CollectingLogSink();
        ContainerStatus st = second.recover(h, sink2);
        assertEquals(ContainerState.RUNNING, st.state());
        ContainerExit exit = second.stop(id, Signals.SIGTERM, Duration.ofSeconds(20)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals(143, exit.code());
        assertEquals(ContainerState.EXITED, second.state(id).state());
    }

    @Test
    void aContainerThatExitedWhileTheAgentWasAwayIsReportedWithItsStatus() throws Exception {
        String id = id("away");
        CollectingLogSink sink = new CollectingLogSink();
        ContainerHandle h = runtime().start(exitsOnTerm(id, sink));
        awaitReady(sink);
        ContainerRuntime second = restartWithout(() -> {
            // while no agent watches: the container ends
            terminateBehindTheAgentsBack(h);
        });
        ContainerStatus st = second.recover(h, new CollectingLogSink());
        assertEquals(ContainerState.EXITED, st.state());
        assertEquals(143, st.exit().orElseThrow().code());
    }

    /** Closes the runtime, runs {@code meanwhile}, then returns a new instance. */
    protected abstract ContainerRuntime restartWithout(Runnable meanwhile) throws Exception;

    /** Ends the container with SIGTERM without going through any runtime instance. */
    protected abstract void terminateBehindTheAgentsBack(ContainerHandle h);
}
