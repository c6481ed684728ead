package io.gantry.agent.node;

import com.typesafe.config.ConfigFactory;
import io.gantry.agent.container.ImageServiceRootfs;
import io.gantry.agent.image.ImageService;
import io.gantry.agent.runtime.FakeRuntime;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentListener;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.ImageLayersResolved;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.RuntimeInfo;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a pull tells the scheduler, with real parts on the image side: an allocation's image is
 * pulled from Debian's docker-registry into the node's content store, and the agent (on the fake
 * runtime: no root needed) reports the blobs it gained as {@link LayersChanged}, coalesced, and
 * the image's layers as {@link ImageLayersResolved}; gc's deletions follow as one more
 * {@link LayersChanged}. A test probe stands in for the scheduler.
 */
class NodeAgentPullReportsTest {

    @TempDir
    Path dir;

    private LocalRegistry registry;
    private ImageService images;
    private ActorTestKit kit;
    private ContentListener listener;

    @BeforeEach
    void start() throws Exception {
        registry = LocalRegistry.start(dir.resolve("registry"));
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.actor.serialize-creators = off
                pekko.loglevel = WARNING
                """).withFallback(ConfigFactory.load()));
    }

    @AfterEach
    void stop() {
        if (kit != null) {
            kit.shutdownTestKit();
        }
        if (images != null) {
            images.content().removeListener(listener);
            images.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** A two-layer image pushed to the registry; returns what was built. */
    private ImageBuilder.BuiltImage push(ImageReference name) throws Exception {
        ImageStore build = ImageStore.open(ContentStore.open(dir.resolve("build")));
        byte[] data = new byte[64 * 1024];
        new Random(3).nextBytes(data);
        ImageBuilder.BuiltImage built = ImageBuilder.create(build)
                .platform(ImageService.Options.defaults().platform())
                .created(Instant.parse("2024-01-02T03:04:05Z"))
                .layer(LayerContent.builder().file("base.bin", data, 0644).build(), "COPY base.bin /")
                .layer(LayerContent.builder().file("app/README", "the app\n").build(), "COPY app /app")
                .config(ContainerConfig.builder().cmd(List.of("/app/run")).build())
                .build(name);
        try (RegistryClient client = new RegistryClient(build, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(name, name, PushProgress.NONE);
        }
        return built;
    }

    @Test
    void aPullIsToldAsTheBlobsGainedAndTheImagesLayersAndGcAsTheBlobsLost() throws Exception {
        ImageReference name = ImageReference.parse(registry.hostPort() + "/team/app:1");
        ImageBuilder.BuiltImage built = push(name);

        images = ImageService.open(dir.resolve("node"), ImageService.Options.defaults().withSyncLayers(false));
        ImageServiceRootfs rootfs = new ImageServiceRootfs(images, Set.of());
        FakeRuntime runtime = new FakeRuntime(r -> FakeRuntime.runsUntilSignalled());
        NodeAgentSettings defaults = NodeAgentSettings.defaults(dir.resolve("node")).withNodeId(NodeId.of("n1"));
        NodeAgentSettings settings = defaults.withReportIntervals(Duration.ofMillis(500), Duration.ZERO);
        NodeAgent.Setup setup = new NodeAgent.Setup(settings, new FakeOperations(runtime, rootfs::resolve), Optional.empty(),
                at -> {
                    try {
                        return new NodeInfo(settings.nodeId(), at, Map.of(), new NodeResources(4000, 1L << 30),
                                new RuntimeInfo("fake", "1", Set.of()), rootfs.heldBlobs());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                java.util.concurrent.CompletableFuture.completedFuture("http://127.0.0.1:1"),
                new AgentState(settings.stateDir()), kit.system().dispatchers().lookup(DispatcherSelector.blocking()),
                Clock.systemUTC(), new Random(1), List.of(), ids -> NodeResources.ZERO);
        ActorRef<NodeAgent.Command> agent = kit.spawn(NodeAgent.create(setup), "agent");
        listener = NodeAgent.contentListener(agent);
        images.content().addListener(listener);

        TestProbe<AgentReport> scheduler = kit.createTestProbe(AgentReport.class);
        agent.tell(new NodeAgent.SchedulerChanged(Optional.of(scheduler.getRef())));
        RegisterNode registration = scheduler.expectMessageClass(RegisterNode.class);
        assertEquals(Set.of(), registration.node().layers(), "nothing pulled yet");
        registration.agent().tell(new NodeRegistered(1, NodeId.of("n1")));

        // the job names its image as a user wrote it; the agent reports the layers under that string
        String image = name.toString();
        registration.agent().tell(new RunAllocation(1, AllocationId.of("web-1"),
                JobSpec.builder("web", image).restart(RestartPolicy.NO).build(), 1, 0, Optional.empty()));

        Set<Digest> held = new HashSet<>();
        for (BlobInfo b : awaitBlobs(4)) {
            held.add(b.digest());
        }
        List<AgentReport> seen = receiveUntil(scheduler, Duration.ofSeconds(20), reports ->
                unionAdded(reports).equals(held) && running(reports) && imageLayers(reports).size() == 1);

        ImageLayersResolved layers = imageLayers(seen).get(0);
        assertEquals(image, layers.image());
        assertEquals("n1", layers.nodeId().value());
        assertEquals(built.manifest().value().layers().stream()
                .map(d -> new ImageLayersResolved.Layer(d.digest(), d.size())).toList(), layers.layers(),
                "the manifest's layers, bottom first, with their compressed sizes");
        assertTrue(held.containsAll(layers.layers().stream().map(ImageLayersResolved.Layer::digest).toList()));

        List<LayersChanged> gained = layersChanged(seen);
        assertTrue(gained.size() < held.size(), "coalesced: " + gained.size() + " reports for " + held.size() + " blobs");
        assertTrue(gained.stream().allMatch(c -> c.removed().isEmpty()), gained.toString());

        // the image removed and gc'd: the node lost every blob, told in one report
        images.remove(name);
        images.gc(0);
        assertEquals(List.of(), images.content().list());
        List<AgentReport> afterGc = receiveUntil(scheduler, Duration.ofSeconds(10),
                reports -> !layersChanged(reports).isEmpty());
        scheduler.expectNoMessage(Duration.ofMillis(800));
        List<LayersChanged> lost = layersChanged(afterGc);
        assertEquals(1, lost.size(), lost.toString());
        assertEquals(held, lost.get(0).removed());
        assertEquals(Set.of(), lost.get(0).added());
    }

    /** The node's blobs once there are {@code n} (a pull commits them from other threads). */
    private List<BlobInfo> awaitBlobs(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<BlobInfo> blobs = images.content().list();
        while (blobs.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
            blobs = images.content().list();
        }
        assertEquals(n, blobs.size(), "manifest, config and two layers: " + blobs);
        return blobs;
    }

    private static List<AgentReport> receiveUntil(TestProbe<AgentReport> probe, Duration max,
                                                  Predicate<List<AgentReport>> done) {
        List<AgentReport> seen = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.test(seen)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the reports did not arrive in " + max.toSeconds() + " s; got " + seen);
            }
            try {
                seen.add(probe.receiveMessage(Duration.ofNanos(left)));
            } catch (AssertionError timeout) {
                throw new AssertionError("the reports did not arrive in " + max.toSeconds() + " s; got " + seen, timeout);
            }
        }
        return seen;
    }

    private static List<LayersChanged> layersChanged(List<AgentReport> reports) {
        return reports.stream().filter(LayersChanged.class::isInstance).map(LayersChanged.class::cast).toList();
    }

    private static List<ImageLayersResolved> imageLayers(List<AgentReport> reports) {
        return reports.stream().filter(ImageLayersResolved.class::isInstance).map(ImageLayersResolved.class::cast).toList();
    }

    private static Set<Digest> unionAdded(List<AgentReport> reports) {
        Set<Digest> out = new HashSet<>();
        layersChanged(reports).forEach(c -> out.addAll(c.added()));
        return out;
    }

    private static boolean running(List<AgentReport> reports) {
        return reports.stream().anyMatch(r -> r instanceof AllocationStatusChanged s
                && s.status().state() == AllocationState.RUNNING);
    }
}
