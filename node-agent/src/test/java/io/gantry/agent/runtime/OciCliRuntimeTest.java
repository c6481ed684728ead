package io.gantry.agent.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The runtime contract against real runc, over a busybox rootfs. */
class OciCliRuntimeTest extends ContainerRuntimeContract {

    @TempDir
    Path tmp;

    RealContainers containers;
    OciCliRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        BusyboxRootfs.assumeRealContainers();
        containers = new RealContainers(tmp);
        runtime = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(tmp.resolve("runtime")));
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
        runtime = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(tmp.resolve("runtime")));
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

    @Override
    protected StartRequest printsAndExits(String id, String text, String err, int code, CollectingLogSink sink) throws Exception {
        return new StartRequest(id, containers.bundle(id,
                List.of("sh", "-c", "echo " + text + "; echo " + err + " >&2; exit " + code)), sink);
    }

    @Override
    protected StartRequest exitsOnTerm(String id, CollectingLogSink sink) throws Exception {
        return new StartRequest(id, containers.bundle(id,
                List.of("sh", "-c", "trap 'exit 143' TERM; sleep 1000 & wait")), sink);
    }

    @Override
    protected StartRequest ignoresTerm(String id, CollectingLogSink sink) throws Exception {
        // sleep as the pid namespace's init: the kernel drops signals it has no handler for
        return new StartRequest(id, containers.bundle(id, List.of("sleep", "1000")), sink);
    }
}
