package io.gantry.agent.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.gantry.agent.logs.LogStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real thing behind the contract's adoption tests: an agent JVM that starts a container is
 * killed with SIGKILL; its shim and container live on, and a new runtime instance in another
 * JVM adopts the container, reads its output and stops it with a known exit status. Under each
 * kind of shim.
 */
class AgentKillTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} shim")
    @FieldSource("io.gantry.agent.runtime.RealContainers#SHIM_KINDS")
    void containersSurviveAKill9OfTheAgentAndAreAdoptedByTheNextOne(String shimKind) throws Exception {
        BusyboxRootfs.assumeRealContainers();
        Shim shim = RealContainers.shim(shimKind, tmp.resolve("bin"));
        RealContainers containers = new RealContainers(tmp);
        String id = "kill9-" + Long.toHexString(System.nanoTime());
        Path bundle = containers.bundle(id, List.of("sh", "-c",
                "trap 'echo bye; exit 143' TERM; i=0; while true; do echo tick-$i; i=$((i+1)); usleep 50000; done"));
        Path root = tmp.resolve("runtime");
        Path handleFile = tmp.resolve("handle.json");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AgentProcessMain.class.getName(),
                root.toString(), bundle.toString(), id, handleFile.toString(), shimKind, tmp.resolve("bin").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.out").toFile()).start();
        OciCliRuntime next = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(handleFile) && agent.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(handleFile), "agent started the container: " + Files.readString(tmp.resolve("agent.out")));
            ContainerHandle h = new ObjectMapper().registerModule(new JavaTimeModule()).readValue(handleFile.toFile(), ContainerHandle.class);

            agent.destroyForcibly(); // SIGKILL
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            Thread.sleep(200);
            assertTrue(new ProcessIdentity(h.shimPid(), h.shimStartTicks()).alive(), "the shim outlived the agent");
            String cmdline = Files.readString(Path.of("/proc", Long.toString(h.shimPid()), "cmdline")).replace('\0', ' ');
            assertTrue(shim instanceof Shim.Compiled ? cmdline.contains("gantry-shim run ") : cmdline.startsWith("/bin/sh -c "),
                    "the " + shimKind + " shim runs the container: " + cmdline);

            next = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(root, shim));
            assertEquals("running", next.runtimeState(id).orElseThrow().status());
            CollectingLogSink logs = new CollectingLogSink();
            assertEquals(ContainerState.RUNNING, next.recover(h, logs).state());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (logs.lines().size() < 3 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertTrue(logs.lines().size() >= 3, "output flows to the new agent");
            assertTrue(logs.lines().get(0).text().startsWith("tick-"));
            ContainerExit exit = next.stop(id, Signals.SIGTERM, Duration.ofSeconds(10)).toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals(143, exit.code());
            assertTrue(logs.text(LogStream.STDOUT).endsWith("bye\n"));
            next.destroy(id, false);
            assertTrue(next.list().isEmpty());
            assertTrue(next.runtimeState(id).isEmpty(), "runc's state is gone");
        } finally {
            agent.destroyForcibly();
            if (next != null) {
                next.destroy(id, true);
                next.close();
            }
        }
    }
}
