package io.gantry.agent.runtime;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime contract against the fake, plus the fake's own scripting. */
class FakeRuntimeTest extends ContainerRuntimeContract {

    private final Map<String, FakeRuntime.Behaviour> behaviours = new ConcurrentHashMap<>();
    private FakeRuntime runtime;

    @BeforeEach
    void setUp() {
        runtime = new FakeRuntime(req -> behaviours.getOrDefault(req.id(), FakeRuntime.runsUntilSignalled()));
    }

    @Override
    protected ContainerRuntime runtime() {
        return runtime;
    }

    @Override
    protected ContainerRuntime restart() {
        runtime.close();
        runtime = runtime.reopen();
        return runtime;
    }

    @Override
    protected ContainerRuntime restartWithout(Runnable meanwhile) {
        runtime.close();
        meanwhile.run();
        return restart();
    }

    @Override
    protected void terminateBehindTheAgentsBack(ContainerHandle h) {
        runtime.container(h.id()).exit(143);
    }

    private StartRequest request(String id, CollectingLogSink sink, FakeRuntime.Behaviour b) {
        behaviours.put(id, b);
        return new StartRequest(id, Path.of("/nonexistent/bundle", id), sink);
    }

    @Override
    protected StartRequest printsAndExits(String id, String text, String err, int code, CollectingLogSink sink) {
        return request(id, sink, c -> {
            c.stdout(text + "\n");
            c.stderr(err + "\n");
            c.exit(code);
        });
    }

    @Override
    protected StartRequest exitsOnTerm(String id, CollectingLogSink sink) {
        return request(id, sink, c -> c.stdout("ready\n"));
    }

    @Override
    protected StartRequest ignoresTerm(String id, CollectingLogSink sink) {
        return request(id, sink, FakeRuntime.ignoresSignals(Signals.SIGTERM));
    }

    @Test
    void scriptedStartFailureAndOom() throws Exception {
        String bad = id("bad");
        assertThrows(ContainerRuntimeException.StartFailed.class,
                () -> runtime.start(request(bad, new CollectingLogSink(), FakeRuntime.failsToStart("exec: no such file"))));
        String oom = id("oom");
        runtime.start(request(oom, new CollectingLogSink(), FakeRuntime.oomKilled()));
        ContainerExit exit = await(runtime, oom);
        assertTrue(exit.oomKilled());
        assertEquals(137, exit.code());
        assertEquals(1, runtime.starts().stream().filter(oom::equals).count());
    }
}
