package io.gantry.agent.node;

import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the agent's JVM, then a new agent on the same data directory: the container that
 * still runs is adopted (its log keeps growing, it can be stopped with its exit status), the one
 * that ended meanwhile is reported with its exit code, and removing both leaves no mount,
 * process or directory behind.
 */
class AgentKillTest {

    @TempDir
    Path tmp;

    @Test
    void aRestartedAgentAdoptsWhatStillRunsAndReportsWhatEnded() throws Exception {
        RealNode.assume();
        Path data = tmp.resolve("data");
        Path ids = tmp.resolve("ids");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), AgentProcess.class.getName(),
                data.toString(), ids.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.out").toFile()).start();
        RealNode next = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(ids) && agent.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(ids), "the first agent started its containers: " + Files.readString(tmp.resolve("agent.out")));
            List<String> lines = Files.readAllLines(ids);
            String ticker = lines.get(0);
            String shortLived = lines.get(1);

            agent.destroyForcibly(); // SIGKILL
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            Thread.sleep(2500); // the short-lived container ends while no agent is there

            next = RealNode.start(data);
            ContainerView t = next.inspect("ticker");
            assertEquals(ticker, t.id());
            assertEquals(ContainerPhase.RUNNING, t.phase(), t.toString());
            int before = next.logs(ticker).size();
            Thread.sleep(600);
            assertTrue(next.logs(ticker).size() > before + 2, "its output flows into its log again");

            ContainerView s = next.awaitView(shortLived, v -> v.phase() == ContainerPhase.EXITED, Duration.ofSeconds(10));
            assertEquals(4, s.exitCode(), s.toString());
            assertTrue(s.exitDetail().contains("while the agent was away"), s.exitDetail());

            ContainerView stopped = next.containers().stop("ticker", Optional.of(Duration.ofSeconds(10)))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(143, stopped.exitCode());
            assertTrue(next.stdout(ticker).endsWith("bye\n"));
            long initPid = t.pid();
            next.remove(ticker);
            next.remove(shortLived);
            assertFalse(ProcessHandle.of(initPid).isPresent(), "the container's process is gone");
            assertEquals(List.of(), next.mountsUnderDataDir());
            assertFalse(Files.exists(data.resolve("containers").resolve(ticker)));
            assertTrue(next.role.containers().list(true).toCompletableFuture().get().isEmpty());
        } finally {
            agent.destroyForcibly();
            if (next != null) {
                next.close();
            }
        }
    }

    @Test
    void whatNoRecordOwnsIsSweptAtStart() throws Exception {
        RealNode.assume();
        Path data = tmp.resolve("data2");
        RealNode first = RealNode.start(data);
        {
            ContainerView c = first.create(io.gantry.agent.container.ContainerRequest.builder(RealNode.IMAGE).cmd("sleep", "600").build());
            first.awaitView(c.id(), v -> v.phase() == ContainerPhase.RUNNING, Duration.ofSeconds(20));
            long pid = first.inspect(c.id()).pid();
            first.detach();
            // the record is lost (as if the agent crashed before writing it): the container has no owner
            Files.delete(data.resolve("state/containers").resolve(c.id() + ".json"));
            try (RealNode second = RealNode.start(data, first.images)) {
                assertTrue(second.containers().list(true).toCompletableFuture().get().isEmpty());
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (ProcessHandle.of(pid).isPresent() && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertFalse(ProcessHandle.of(pid).isPresent(), "the orphan's process was killed");
                assertEquals(List.of(), second.mountsUnderDataDir(), "its rootfs was unmounted");
                assertFalse(Files.exists(data.resolve("containers").resolve(c.id())), "its directory was deleted");
                assertTrue(second.images.snapshotter().list().stream().noneMatch(s -> s.name().contains(c.id())));
            }
        }
    }
}
