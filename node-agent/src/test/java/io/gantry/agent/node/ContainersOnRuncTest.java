package io.gantry.agent.node;

import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerService;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.container.InitLayer;
import io.gantry.agent.logs.LogEntry;
import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Containers on one real node: runc, overlay snapshots of an image built from the host's static
 * busybox, json-file logs, the agent's restart policy, stop and removal. Needs root, runc and
 * busybox-static (skipped with the reason otherwise).
 */
class ContainersOnRuncTest {

    @TempDir
    static Path tmp;
    static RealNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = RealNode.start(tmp.resolve("data"));
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.close();
            assertEquals(List.of(), node.mountsUnderDataDir(), "every mount was taken down");
        }
    }

    private static ContainerRequest.Builder image() {
        return ContainerRequest.builder(RealNode.IMAGE);
    }

    private static ContainerService svc() {
        return node.containers();
    }

    @Test
    void theImageEnvCmdAndWorkingDirAreHonoured() throws Exception {
        ContainerView c = node.run(image().build());
        assertEquals(ContainerPhase.EXITED, c.phase());
        assertEquals(0, c.exitCode());
        assertEquals("from-image in /srv/app\n", node.stdout(c.id()));
        assertEquals(List.of("sh", "-c", "echo $GREETING in $(pwd)"), c.command());
        node.remove(c.id());
    }

    @Test
    void theyCanBeOverridden() throws Exception {
        ContainerView c = node.run(image().cmd("sh", "-c", "echo $GREETING $EXTRA in $(pwd) as $(id -u)")
                .env("GREETING", "overridden").env("EXTRA", "too").workdir("/tmp").user("1000").build());
        assertEquals("overridden too in /tmp as 1000\n", node.stdout(c.id()));
        ContainerView e = node.run(image().entrypoint(List.of("echo", "entry")).cmd("point").build());
        assertEquals("entry point\n", node.stdout(e.id()));
        ContainerView w = node.run(image().cmd("pwd").workdir("/not/in/the/image").build());
        assertEquals("/not/in/the/image\n", node.stdout(w.id()), "a missing working directory is created");
        for (ContainerView v : List.of(c, e, w)) {
            node.remove(v.id());
        }
    }

    @Test
    void writesLandOnlyInTheWritableLayerAndDiffShowsThem() throws Exception {
        ContainerView c = node.run(image().cmd("sh", "-c",
                "echo new > /srv/app/new.txt; rm /etc/group; mkdir -p /var/lib/x; echo hi > /var/lib/x/y; cat /etc/hosts >/dev/null").build());
        assertEquals(0, c.exitCode(), node.logs(c.id()).toString());
        ChangeSet diff = svc().diff(c.name()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("D /etc/group", "C /etc", "C /srv", "C /srv/app", "A /srv/app/new.txt", "A /var", "A /var/lib",
                "A /var/lib/x", "A /var/lib/x/y").stream().sorted(java.util.Comparator.comparing(l -> l.substring(2))).toList(),
                diff.lines());

        Digest base = imageConfig().diffIds().get(0);
        Path lower = node.images.unpacker().directory(base);
        assertTrue(Files.exists(lower.resolve("etc/group")), "the image's layer still has /etc/group");
        assertFalse(Files.exists(lower.resolve("srv/app/new.txt")));
        node.remove(c.id());
    }

    @Test
    void generatedEtcFilesArePresentInsideAndInNoLayerDiffOrCommit() throws Exception {
        ContainerView c = node.run(image().name("etc-check").network(NetworkMode.NONE).cmd("sh", "-c",
                "cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf; ls -d /proc/1 /sys/kernel /dev/null").build());
        String out = node.stdout(c.id());
        assertTrue(out.startsWith(c.id().substring(0, 12) + "\n"), out);
        assertTrue(out.contains("127.0.0.1\tlocalhost"), out);
        assertTrue(out.contains("generated by gantry"), out);
        assertTrue(out.contains("/proc/1\n") && out.contains("/dev/null"), out);

        for (Digest diffId : imageConfig().diffIds()) {
            Path layer = node.images.unpacker().directory(diffId);
            for (String f : List.of("etc/hosts", "etc/hostname", "etc/resolv.conf")) {
                assertFalse(Files.exists(layer.resolve(f)), f + " in image layer " + diffId);
            }
        }
        Path init = node.images.unpacker().directory(InitLayer.DIFF_ID);
        for (String f : List.of("etc/hosts", "etc/hostname", "etc/resolv.conf")) {
            assertEquals(0, Files.size(init.resolve(f)), "the init layer holds only an empty mount point for " + f);
        }
        ChangeSet diff = svc().diff(c.id()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(diff.isEmpty(), "nothing the runtime mounted shows as a change: " + diff.lines());

        ContainerService.CommittedImage committed = svc().commit(c.id(), "localhost/gantry-test/committed:empty",
                Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        List<String> names = layerNames(Digest.parse(committed.layerDiffId()), committed);
        assertEquals(List.of(), names, "the committed layer is empty");
        node.remove(c.id());
    }

    @Test
    void aCommitMakesANewImageWithTheWritableLayerAndAHistoryEntry() throws Exception {
        ContainerView c = node.run(image().cmd("sh", "-c", "echo baked > /srv/app/baked.txt").build());
        ContainerService.CommittedImage committed = svc().commit(c.id().substring(0, 10), "localhost/gantry-test/app:baked",
                Optional.of("bake a file")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        ImageStore.Image image = node.images.images().get(ImageReference.parse("localhost/gantry-test/app:baked"));
        ImageConfig cfg = node.images.images().config(node.images.images().manifest(image, Platform.of("linux", "amd64"))).value();
        assertEquals(imageConfig().diffIds().size() + 1, cfg.diffIds().size());
        ImageConfig.History last = cfg.history().get(cfg.history().size() - 1);
        assertEquals("sh -c echo baked > /srv/app/baked.txt # bake a file", last.createdBy());
        assertEquals(List.of("srv/", "srv/app/", "srv/app/baked.txt"), layerNames(Digest.parse(committed.layerDiffId()), committed));
        assertEquals(imageConfig().config().cmd(), cfg.config().cmd(), "the config is the base image's");

        ContainerView d = node.run(ContainerRequest.builder("localhost/gantry-test/app:baked").cmd("cat", "/srv/app/baked.txt").build());
        assertEquals("baked\n", node.stdout(d.id()));

        CompletionException bad = assertThrows(CompletionException.class, () -> svc().commit(c.id(), "Not A Ref", Optional.empty())
                .toCompletableFuture().join());
        assertInstanceOf(io.gantry.agent.container.InvalidContainerRequestException.class, bad.getCause());
        node.remove(c.id());
        node.remove(d.id());
    }

    @Test
    void aVolumeOutlivesItsContainer() throws Exception {
        Path host = tmp.resolve("host-dir");
        ContainerView c = node.run(image().cmd("sh", "-c", "echo kept > /data/file; echo bound > /host/file")
                .volume(Volume.named("keep-me", "/data", false)).volume(Volume.bind(host.toString(), "/host", false)).build());
        assertEquals(0, c.exitCode(), node.logs(c.id()).toString());
        node.remove(c.id());
        assertFalse(Files.exists(node.dataDir.resolve("containers").resolve(c.id())), "the container's directory is gone");
        assertEquals("kept\n", Files.readString(node.dataDir.resolve("volumes/keep-me/file")));
        assertEquals("bound\n", Files.readString(host.resolve("file")));
        ContainerView d = node.run(image().cmd("cat", "/data/file").volume(Volume.named("keep-me", "/data", true)).build());
        assertEquals("kept\n", node.stdout(d.id()));
        node.remove(d.id());
    }

    @Test
    void onFailure3RunsFourTimesWithGrowingDelaysThenStops() throws Exception {
        ContainerView c = node.run(image().cmd("sh", "-c", "echo run; exit 3").restart(RestartPolicy.onFailure(3)).build());
        assertEquals(ContainerPhase.EXITED, c.phase());
        assertEquals(3, c.exitCode());
        assertEquals(3, c.restartCount());
        List<LogEntry> runs = node.logs(c.id());
        assertEquals(4, runs.size(), runs.toString());
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < runs.size(); i++) {
            gaps.add(Duration.between(runs.get(i - 1).time(), runs.get(i).time()).toMillis());
        }
        // each gap is the backoff plus a run and a start, whose time varies with the machine's load
        assertTrue(gaps.get(0) >= 100 && gaps.get(1) >= 200 && gaps.get(2) >= 400, "backoff 100, 200, 400 ms: " + gaps);
        assertTrue(gaps.get(2) > gaps.get(0), "growing: " + gaps);
        Thread.sleep(1000);
        assertEquals(ContainerPhase.EXITED, node.inspect(c.id()).phase(), "no fifth run");
        assertEquals(4, node.logs(c.id()).size());
        node.remove(c.id());
    }

    @Test
    void alwaysRestartsAfterAKill() throws Exception {
        ContainerView c = node.create(image().cmd("sh", "-c", "echo up; exec sleep 1000").restart(RestartPolicy.ALWAYS).build());
        ContainerView running = node.awaitView(c.id(), v -> v.phase() == ContainerPhase.RUNNING && v.pid() > 0, Duration.ofSeconds(10));
        assertTrue(ProcessHandle.of(running.pid()).orElseThrow().destroyForcibly(), "SIGKILL to the container's init");
        ContainerView again = node.awaitView(c.id(), v -> v.phase() == ContainerPhase.RUNNING && v.restartCount() == 1,
                Duration.ofSeconds(10));
        assertTrue(again.pid() != running.pid());
        assertEquals(137, again.exitCode(), "the last exit is shown while it runs again");
        ContainerView stopped = svc().stop(c.id(), Optional.of(Duration.ofSeconds(5))).toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertEquals(ContainerPhase.EXITED, stopped.phase());
        assertTrue(stopped.stopRequested());
        node.remove(c.id());
    }

    @Test
    void aMemoryLimitBreachIsReportedAsOom() throws Exception {
        ContainerView c = node.run(image().cmd("sh", "-c", "head -c 100m /dev/zero | tail").memoryBytes(16 * Resources.MIB).build());
        assertTrue(c.oomKilled(), c.toString());
        assertEquals(137, c.exitCode());
        node.remove(c.id());
    }

    @Test
    void stopHonoursTheGracePeriod() throws Exception {
        ContainerView stubborn = node.create(image().cmd("sh", "-c", "trap 'echo ignored' TERM; echo ready; while true; do usleep 50000; done").build());
        awaitLine(stubborn.id(), "ready");
        long t0 = System.nanoTime();
        ContainerView s = svc().stop(stubborn.id(), Optional.of(Duration.ofSeconds(1))).toCompletableFuture().get(20, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 1000 && ms < 5000, "SIGKILL after the 1 s grace, took " + ms + " ms");
        assertEquals(137, s.exitCode());
        assertTrue(node.stdout(stubborn.id()).contains("ignored"), "SIGTERM came first");

        ContainerView polite = node.create(image().cmd("sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; while true; do usleep 50000; done").build());
        awaitLine(polite.id(), "ready");
        t0 = System.nanoTime();
        ContainerView p = svc().stop(polite.id(), Optional.of(Duration.ofSeconds(10))).toCompletableFuture().get(20, TimeUnit.SECONDS);
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "a container that exits on SIGTERM is not held for the grace period: " + ms + " ms");
        assertEquals(0, p.exitCode());
        node.remove(stubborn.id());
        node.remove(polite.id());
    }

    @Test
    void removalNeedsForceWhileRunningAndLeavesNothingBehind() throws Exception {
        ContainerView c = node.create(image().name("to-remove").cmd("sleep", "1000").build());
        node.awaitView(c.id(), v -> v.phase() == ContainerPhase.RUNNING, Duration.ofSeconds(10));
        CompletionException refused = assertThrows(CompletionException.class,
                () -> svc().remove("to-remove", false).toCompletableFuture().join());
        assertInstanceOf(ContainerConflictException.class, refused.getCause());
        svc().remove("to-remove", true).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(node.dataDir.resolve("containers").resolve(c.id())));
        assertFalse(Files.exists(node.dataDir.resolve("state/containers").resolve(c.id() + ".json")));
        assertFalse(node.mountsUnderDataDir().stream().anyMatch(m -> m.contains(c.id())));
        assertTrue(node.images.snapshotter().list().stream().noneMatch(s -> s.name().contains(c.id())));
    }

    @Test
    void autoRemoveRemovesTheContainerOnceItsExitIsKnown() throws Exception {
        ContainerView c = node.create(image().cmd("sh", "-c", "exit 9").network(NetworkMode.NONE).autoRemove(true).build());
        ContainerView end = svc().awaitEnd(c.id()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(9, end.exitCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (svc().list(true).toCompletableFuture().get().stream().anyMatch(v -> v.id().equals(c.id()))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(svc().list(true).toCompletableFuture().get().stream().noneMatch(v -> v.id().equals(c.id())));
        assertFalse(Files.exists(node.dataDir.resolve("containers").resolve(c.id())));
    }

    // ------------------------------------------------------------------ helpers

    private static ImageConfig imageConfig() throws IOException {
        ImageStore store = node.images.images();
        ImageStore.Image image = store.get(ImageReference.parse(RealNode.IMAGE));
        return store.config(store.manifest(image, Platform.of("linux", "amd64"))).value();
    }

    /** Entry names of a committed layer, read back from the content store. */
    private static List<String> layerNames(Digest diffId, ContainerService.CommittedImage committed) throws IOException {
        ImageStore store = node.images.images();
        ImageStore.Image image = store.get(ImageReference.parse(committed.reference()));
        var manifest = store.manifest(image, Platform.of("linux", "amd64"));
        var layers = manifest.value().layers();
        Digest blob = layers.get(layers.size() - 1).digest();
        List<String> names = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(store.content().open(blob))) {
            byte[] all = in.readAllBytes();
            for (int off = 0; off + 512 <= all.length; ) {
                String name = new String(all, off, 100, java.nio.charset.StandardCharsets.UTF_8).replace("\0", "");
                if (name.isEmpty()) {
                    break;
                }
                long size = Long.parseLong(new String(all, off + 124, 11, java.nio.charset.StandardCharsets.US_ASCII).trim(), 8);
                names.add(name);
                off += 512 + (int) ((size + 511) / 512 * 512);
            }
        }
        assertEquals(diffId, Digest.parse(committed.layerDiffId()));
        return names;
    }

    private static void awaitLine(String id, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!node.stdout(id).contains(line + "\n")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + line + "' from " + id + ": " + node.logs(id));
            }
            Thread.sleep(20);
        }
    }

    @SuppressWarnings("unused")
    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
