package io.gantry.agent.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime contract against real runc, over a busybox rootfs, under each kind of shim. */
@ParameterizedClass(name = "{0} shim")
@FieldSource("io.gantry.agent.runtime.RealContainers#SHIM_KINDS")
class OciCliRuntimeTest extends ContainerRuntimeContract {

    @Parameter
    String shimKind;

    @TempDir
    Path tmp;

    RealContainers containers;
    OciCliRuntime runtime;
    Shim shim;

    @BeforeEach
    void setUp() throws Exception {
        BusyboxRootfs.assumeRealContainers();
        shim = RealContainers.shim(shimKind, tmp.resolve("bin"));
        containers = new RealContainers(tmp);
        runtime = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(tmp.resolve("runtime"), shim));
    }

    @Test
    void theRuntimeRunsUnderTheShimItWasGiven() {
        assertEquals(shim.describe(), runtime.capabilities().shim());
        assertEquals(shimKind.equals("compiled"), shim instanceof Shim.Compiled, shim.describe());
    }

    @AfterEach
    void closeRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Override
    protected ContainerRuntime runtime() {
        return runtime;
    }

    @Override
    protected ContainerRuntime restart() {
        runtime.close();
        runtime = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(tmp.resolve("runtime"), shim));
        return runtime;
    }

    @Override
    protected ContainerRuntime restartWithout(Runnable meanwhile) throws Exception {
        runtime.close();
        meanwhile.run();
        return restart();
    }

    @Override
    protected void terminateBehindTheAgentsBack(ContainerHandle h) {
        try {
            RuntimeNative.kill(h.initPid(), Signals.SIGTERM);
            Path exit = tmp.resolve("runtime/shims").resolve(h.id()).resolve("exit");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(exit) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void logsFlowAgainAfterAdoptionIncludingWhatWasBufferedMeanwhile() throws Exception {
        String id = id("logs");
        CollectingLogSink first = new CollectingLogSink();
        ContainerHandle h = runtime.start(new StartRequest(id, containers.bundle(id,
                List.of("sh", "-c", "trap 'exit 0' TERM; i=0; while true; do echo line-$i; i=$((i+1)); usleep 20000; done")), first));
        awaitLines(first, 3);
        ContainerRuntime second = restartWithout(() -> sleepQuietly(300)); // the agent is away; output waits in the pipe
        CollectingLogSink after = new CollectingLogSink();
        assertEquals(ContainerState.RUNNING, second.recover(h, after).state());
        awaitLines(after, 5);
        ContainerExit exit = second.stop(id, Signals.SIGTERM, Duration.ofSeconds(10)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals(0, exit.code());
        List<String> all = new ArrayList<>();
        first.lines().forEach(l -> all.add(l.text().strip()));
        after.lines().forEach(l -> all.add(l.text().strip()));
        for (int i = 0; i < all.size(); i++) {
            assertEquals("line-" + i, all.get(i), "no line lost or repeated across the agent restart");
        }
        // what was written while the agent was away came out of the pipe in one read, one timestamp
        assertEquals(after.lines().get(0).time(), after.lines().get(1).time(), "buffered lines delivered together");
    }

    @Test
    void aShimPreparedBeforeTheBundleIsWrittenRunsTheContainerOnStart() throws Exception {
        String id = id("prep");
        Path bundle = tmp.resolve("bundles").resolve(id);
        CollectingLogSink sink = new CollectingLogSink();
        runtime.prepare(new StartRequest(id, bundle, sink));
        long shim = awaitWaitingShim(id);
        assertTrue(ProcessHandle.of(shim).isPresent(), "the shim waits for its go");
        assertEquals(bundle, containers.bundle(id, List.of("sh", "-c", "echo prepared")));
        ContainerHandle h = runtime.start(new StartRequest(id, bundle, sink));
        assertEquals(shim, h.shimPid(), "the prepared shim ran it");
        ContainerExit exit = runtime.await(id).toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals(0, exit.code());
        assertEquals(List.of("prepared"), sink.lines().stream().map(l -> l.text().strip()).toList());
        runtime.destroy(id, false);
        assertFalse(Files.exists(tmp.resolve("runtime/shims").resolve(id)));
    }

    @Test
    void aPreparedStartThatIsNeverMadeLeavesNoShimNoDirectoryAndNoState() throws Exception {
        String id = id("unstarted");
        long shim = prepared(id, tmp.resolve("bundles").resolve(id));
        runtime.destroy(id, false); // not running: no force needed
        assertEnded(shim);
        assertFalse(Files.exists(tmp.resolve("runtime/shims").resolve(id)), "its directory is gone");
        assertFalse(runtime.list().contains(id));
        // the id can be started afresh
        CollectingLogSink sink = new CollectingLogSink();
        runtime.start(new StartRequest(id, containers.bundle(id, List.of("true")), sink));
        assertEquals(0, runtime.await(id).toCompletableFuture().get(15, TimeUnit.SECONDS).code());
        runtime.destroy(id, false);
    }

    @Test
    void aPreparedStartWithoutItsConfigFailsAndCleansUp() throws Exception {
        String id = id("noconfig");
        Path bundle = Files.createDirectories(tmp.resolve("bundles").resolve(id));
        long shim = prepared(id, bundle);
        ContainerRuntimeException.StartFailed e = assertThrows(ContainerRuntimeException.StartFailed.class,
                () -> runtime.start(new StartRequest(id, bundle, new CollectingLogSink())));
        assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
        assertEnded(shim);
        assertFalse(Files.exists(tmp.resolve("runtime/shims").resolve(id)));
    }

    @Test
    void closingTheRuntimeEndsAShimStillWaitingForItsGo() throws Exception {
        String id = id("closed");
        long shim = prepared(id, tmp.resolve("bundles").resolve(id));
        runtime.close();
        ProcessHandle p = ProcessHandle.of(shim).orElse(null);
        if (p != null) {
            p.onExit().get(10, TimeUnit.SECONDS);
        }
        restart(); // a new instance, as after an agent restart
        runtime.destroy(id, false); // the orphan sweep: a directory without a handle
        assertFalse(Files.exists(tmp.resolve("runtime/shims").resolve(id)));
    }

    /** Prepares {@code id}'s start; the pid of its shim, which waits for its go. */
    private long prepared(String id, Path bundle) throws Exception {
        runtime.prepare(new StartRequest(id, bundle, new CollectingLogSink()));
        return awaitWaitingShim(id);
    }

    private static void assertEnded(long shim) {
        assertFalse(ProcessHandle.of(shim).map(ProcessHandle::isAlive).orElse(false), "the shim ended");
    }

    /** The pid of {@code id}'s shim, started by prepare (it waits for its go). */
    private long awaitWaitingShim(String id) throws Exception {
        Path dir = tmp.resolve("runtime/shims").resolve(id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(dir)) {
                for (ProcessHandle p : ProcessHandle.current().children().toList()) {
                    if (p.info().arguments().map(a -> List.of(a).contains(id)).orElse(false)
                            || p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false)) {
                        return p.pid();
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no shim for " + id + " within 10 s");
    }

    private static void awaitLines(CollectingLogSink sink, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sink.lines().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(sink.lines().size() >= n, "got " + sink.lines().size() + " lines");
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected StartRequest printsAndExits(String id, String text, String err, int code, CollectingLogSink sink) throws Exception {
        return new StartRequest(id, containers.bundle(id,
                List.of("sh", "-c", "echo " + text + "; echo " + err + " >&2; exit " + code)), sink);
    }

    @Override
    protected StartRequest exitsOnTerm(String id, CollectingLogSink sink) throws Exception {
        return new StartRequest(id, containers.bundle(id,
                List.of("sh", "-c", "trap 'exit 143' TERM; echo ready; sleep 1000 & wait")), sink);
    }

    @Override
    protected StartRequest ignoresTerm(String id, CollectingLogSink sink) throws Exception {
        // sleep as the pid namespace's init: the kernel drops signals it has no handler for
        return new StartRequest(id, containers.bundle(id, List.of("sleep", "1000")), sink);
    }
}
