package io.gantry.agent.node;

import com.typesafe.config.ConfigFactory;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerService;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.image.ImageService;
import io.gantry.agent.logs.JsonFileLogReader;
import io.gantry.agent.logs.LogEntry;
import io.gantry.agent.runtime.BusyboxRootfs;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real node agent for tests: an ActorSystem, the node's {@link ImageService} over a temp data
 * directory with the test image built into it, and {@link NodeAgentRole} with real runc. Its
 * containers live under the cgroup parent {@code gantry-test}; {@link #close} removes every
 * container (force) and checks that no mount is left under the data directory.
 */
public final class RealNode implements AutoCloseable {

    /** The test image: busybox with applets, an env var, a default command and a working directory. */
    public static final String IMAGE = "localhost/gantry-test/app:1";

    static final List<String> APPLETS = List.of("sh", "true", "false", "echo", "sleep", "cat", "env", "id", "pwd",
            "head", "tail", "dd", "ls", "wc", "hostname", "printf", "kill", "grep", "mkdir", "touch", "rm", "seq", "usleep",
            "find", "sort", "stat");

    public final Path dataDir;
    public final ActorTestKit kit;
    public final ImageService images;
    public final NodeAgentRole.Running role;

    private RealNode(Path dataDir, ActorTestKit kit, ImageService images, NodeAgentRole.Running role) {
        this.dataDir = dataDir;
        this.kit = kit;
        this.images = images;
        this.role = role;
    }

    /** Skips the calling test unless root, runc and busybox-static are there. */
    public static void assume() {
        BusyboxRootfs.assumeRealContainers();
    }

    public static RealNode start(Path dataDir) throws IOException {
        assume();
        Files.createDirectories(dataDir);
        ImageService images = ImageService.open(dataDir, ImageService.Options.defaults().withSyncLayers(false));
        if (images.images().find(ImageReference.parse(IMAGE)).isEmpty()) {
            buildTestImage(images.images(), ImageReference.parse(IMAGE));
        }
        return start(dataDir, images);
    }

    public static RealNode start(Path dataDir, ImageService images) {
        ActorTestKit kit = ActorTestKit.create("node", ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.actor.serialize-creators = off
                pekko.loglevel = WARNING
                """).withFallback(ConfigFactory.load()));
        NodeAgentSettings settings = NodeAgentSettings.defaults(dataDir)
                .withCgroupParent("gantry-test")
                .withRestartBackoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)));
        NodeAgentRole.Running role = NodeAgentRole.start(kit.system(), settings, images,
                java.util.concurrent.CompletableFuture.completedFuture("http://127.0.0.1:0"));
        return new RealNode(dataDir, kit, images, role);
    }

    /** Builds the test image into {@code store}. */
    public static ImageBuilder.BuiltImage buildTestImage(ImageStore store, ImageReference name) throws IOException {
        LayerContent.Builder rootfs = LayerContent.builder()
                .mtime(Instant.parse("2024-01-02T03:04:05Z"))
                .dir("bin")
                .file("bin/busybox", BusyboxRootfs.BUSYBOX, 0755);
        for (String a : APPLETS) {
            rootfs.symlink("bin/" + a, "busybox");
        }
        rootfs.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n")
                .file("etc/group", "root:x:0:\napp:x:1000:\n")
                .dir("tmp", 01777)
                .dir("root", 0700)
                .dir("srv/app")
                .file("srv/app/README", "the app's directory\n");
        return ImageBuilder.create(store)
                .platform(Platform.of("linux", "amd64"))
                .created(Instant.parse("2024-01-02T03:04:05Z"))
                .layer(rootfs.build(), "COPY rootfs / # busybox")
                .emptyLayer("ENV GREETING=from-image")
                .config(ContainerConfig.builder()
                        .env(List.of("PATH=/bin", "GREETING=from-image"))
                        .cmd(List.of("sh", "-c", "echo $GREETING in $(pwd)"))
                        .workingDir("/srv/app")
                        .build())
                .build(name);
    }

    public ContainerService containers() {
        return role.containers();
    }

    public ContainerView create(ContainerRequest request) throws Exception {
        return containers().create(request).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Creates, waits for the end (no restart due), returns the final view. */
    public ContainerView run(ContainerRequest request) throws Exception {
        ContainerView c = create(request);
        return containers().awaitEnd(c.id()).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    public ContainerView inspect(String ref) throws Exception {
        return containers().inspect(ref).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public List<LogEntry> logs(String id) throws IOException {
        return new JsonFileLogReader(dataDir.resolve("containers").resolve(id).resolve("logs/container.log")).readAll();
    }

    public String stdout(String id) throws IOException {
        return logs(id).stream().filter(e -> e.stream() == io.gantry.agent.logs.LogStream.STDOUT).map(LogEntry::log)
                .collect(Collectors.joining());
    }

    public void remove(String ref) throws Exception {
        containers().remove(ref, true).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** Waits until {@code check} holds for the container's view. */
    public ContainerView awaitView(String id, java.util.function.Predicate<ContainerView> check, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        ContainerView v = inspect(id);
        while (!check.test(v)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("container " + id + " did not get there within " + limit + ": " + v);
            }
            Thread.sleep(20);
            v = inspect(id);
        }
        return v;
    }

    /** Mount points under the data directory (there should be none once everything is removed). */
    public List<String> mountsUnderDataDir() throws IOException {
        String prefix = dataDir.toAbsolutePath().toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(prefix)).toList();
    }

    /** Lets go of the containers without stopping them, as an agent that stops. */
    public void detach() {
        role.close();
        kit.shutdownTestKit();
    }

    @Override
    public void close() throws Exception {
        try {
            for (ContainerView v : containers().list(true).toCompletableFuture().get(10, TimeUnit.SECONDS)) {
                try {
                    remove(v.id());
                } catch (Exception e) {
                    System.err.println("cleanup of container " + v.id() + " failed: " + e);
                }
            }
        } finally {
            role.close();
            kit.shutdownTestKit();
            images.close();
        }
    }
}
