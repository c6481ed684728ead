package io.gantry.agent.node;

import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fifty containers running at once on one agent, each with its own writable layer, cgroup, shim
 * and log, then all removed: nothing left mounted. About 6 s here (2 cores, loaded).
 */
class FiftyContainersTest {

    @TempDir
    Path tmp;

    @Test
    void fiftyContainersRunAtOnceAndAreAllRemoved() throws Exception {
        try (RealNode node = RealNode.start(tmp.resolve("data"))) {
            long t0 = System.nanoTime();
            List<CompletableFuture<ContainerView>> created = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                created.add(node.containers().create(ContainerRequest.builder(RealNode.IMAGE).name("c" + i)
                        .cmd("sh", "-c", "echo up " + i + "; exec sleep 600").build()).toCompletableFuture());
            }
            List<String> ids = new ArrayList<>();
            for (CompletableFuture<ContainerView> f : created) {
                ids.add(f.get(60, TimeUnit.SECONDS).id());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            List<ContainerView> running;
            do {
                Thread.sleep(100);
                running = node.containers().list(false).toCompletableFuture().get(10, TimeUnit.SECONDS).stream()
                        .filter(v -> v.phase() == ContainerPhase.RUNNING).toList();
            } while (running.size() < 50 && System.nanoTime() < deadline);
            assertEquals(50, running.size(), "all fifty run at once");
            System.out.printf("50 containers running %.1f s after the first request%n", (System.nanoTime() - t0) / 1e9);
            for (int i = 0; i < 50; i++) {
                String id = ids.get(i);
                int n = i;
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!node.stdout(id).equals("up " + n + "\n") && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertEquals("up " + i + "\n", node.stdout(id), "container " + i + " logged");
            }
            List<CompletableFuture<Void>> removed = new ArrayList<>();
            for (String id : ids) {
                removed.add(node.containers().remove(id, true).toCompletableFuture());
            }
            CompletableFuture.allOf(removed.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            System.out.printf("50 containers started and removed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertTrue(node.containers().list(true).toCompletableFuture().get().isEmpty());
            assertEquals(List.of(), node.mountsUnderDataDir());
        }
    }
}
