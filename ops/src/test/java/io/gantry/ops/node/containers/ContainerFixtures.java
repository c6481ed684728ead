package io.gantry.ops.node.containers;

import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.ops.server.GantryConfig;
import io.gantry.ops.server.GantryServer;
import io.gantry.ops.server.TestServers;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A real node (runc, overlay) and a real docker-registry holding a busybox image with the usual
 * applets, for the container API and CLI tests. The node pulls the image on first use. Needs
 * root, runc, busybox-static and docker-registry (skipped with the reason otherwise).
 */
final class ContainerFixtures implements AutoCloseable {

    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final List<String> APPLETS = List.of("sh", "true", "false", "echo", "sleep", "cat", "env", "id", "pwd", "ls",
            "touch", "mkdir", "rm", "usleep", "head", "tail");

    final Path dir;
    final LocalRegistry registry;
    final ImageReference image;
    final GantryServer server;

    ContainerFixtures(Path dir) throws Exception {
        assumeContainersRun();
        this.dir = dir.toAbsolutePath();
        registry = LocalRegistry.start(dir.resolve("registry"));
        ImageStore build = ImageStore.open(ContentStore.open(dir.resolve("build")));
        image = ImageReference.parse(registry.hostPort() + "/app:1");
        buildImage(build, image);
        try (RegistryClient client = new RegistryClient(build, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(image, image, PushProgress.NONE);
        }
        Path node = dir.resolve("node");
        Files.createDirectories(node);
        server = GantryServer.start(GantryConfig.load(TestServers.flags(node, """
                gantry.agent.cgroup-parent = gantry-test
                gantry.agent.restart-backoff.initial = 100ms
                gantry.images.snapshotter = auto
                """)));
    }

    /** Skips the calling test, with the reason, where real containers cannot run. */
    static void assumeContainersRun() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run containers");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")),
                "needs runc (Debian package runc)");
        Assumptions.assumeTrue(Files.isExecutable(BUSYBOX), "needs a static /bin/busybox (Debian package busybox-static)");
    }

    static void buildImage(ImageStore store, ImageReference name) throws IOException {
        LayerContent.Builder rootfs = LayerContent.builder().mtime(Instant.parse("2024-01-02T03:04:05Z"))
                .dir("bin").file("bin/busybox", BUSYBOX, 0755);
        for (String a : APPLETS) {
            rootfs.symlink("bin/" + a, "busybox");
        }
        rootfs.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/group", "root:x:0:\n")
                .dir("tmp", 01777).dir("srv/app").file("srv/app/README", "the app\n");
        ImageBuilder.create(store).platform(Platform.of("linux", "amd64")).created(Instant.parse("2024-01-02T03:04:05Z"))
                .layer(rootfs.build(), "COPY rootfs /")
                .config(ContainerConfig.builder().env(List.of("PATH=/bin", "GREETING=hello")).cmd(List.of("sh", "-c", "echo $GREETING"))
                        .workingDir("/srv/app").build())
                .build(name);
    }

    static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    java.net.http.HttpResponse<String> call(String method, String path, String body) throws Exception {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.httpUri() + path))
                .timeout(java.time.Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + server.token())
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** Removes every container of the node (they would outlive the server otherwise). */
    void removeAll() throws Exception {
        var list = io.gantry.scheduler.api.ApiJson.MAPPER.readTree(call("GET", "/v1/containers?all=true", null).body());
        for (var c : list.path("containers")) {
            call("DELETE", "/v1/containers/" + c.path("id").asText() + "?force=true", null);
        }
    }

    /** Stops every job (so the scheduler places nothing more), then removes every container until none is left. */
    void removeEverything() throws Exception {
        var jobs = io.gantry.scheduler.api.ApiJson.MAPPER.readTree(call("GET", "/v1/jobs", null).body());
        for (var j : jobs.path("jobs")) {
            call("DELETE", "/v1/jobs/" + j.path("id").asText(), null);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        do {
            removeAll();
            Thread.sleep(200);
        } while (io.gantry.scheduler.api.ApiJson.MAPPER.readTree(call("GET", "/v1/containers?all=true", null).body())
                .path("containers").size() > 0 && System.nanoTime() < deadline);
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                try {
                    removeEverything();
                } catch (Exception e) {
                    System.err.println("removing the test's containers failed: " + e);
                }
                server.close();
                unmountUnder(dir);
            }
        } finally {
            registry.close();
        }
    }

    /** A safety net for a failed test: nothing of it may stay mounted on the host. */
    static void unmountUnder(Path dir) {
        try (io.gantry.agent.snapshot.Mounter mounter = new io.gantry.agent.snapshot.Mounter()) {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String target = line.split(" ")[4];
                if (target.startsWith(dir.toString())) {
                    System.err.println("unmounting what the test left: " + target);
                    mounter.unmountAll(Path.of(target));
                }
            }
        } catch (IOException e) {
            System.err.println("unmounting what the test left failed: " + e);
        }
    }
}
