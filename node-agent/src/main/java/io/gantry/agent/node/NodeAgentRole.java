package io.gantry.agent.node;

import io.gantry.agent.bundle.BundleWriter;
import io.gantry.agent.container.ContainerCommitter;
import io.gantry.agent.container.ContainerPaths;
import io.gantry.agent.container.ContainerService;
import io.gantry.agent.container.ImageServiceRootfs;
import io.gantry.agent.image.ImageService;
import io.gantry.agent.runtime.CgroupLayout;
import io.gantry.agent.runtime.CgroupUsage;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.OciCliRuntime;
import io.gantry.agent.runtime.RuntimeCapabilities;
import io.gantry.agent.runtime.RuntimeProbe;
import io.gantry.agent.runtime.Shim;
import io.gantry.agent.supervision.ContainerRecords;
import io.gantry.agent.supervision.NodeContainerOperations;
import io.gantry.layercache.content.ContentListener;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.RuntimeInfo;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Starts the agent side of a node inside an ActorSystem: what {@code gantry server} calls for
 * the {@code agent} role.
 *
 * <p>In order: the OCI runtime chosen by probing ({@link RuntimeProbe}: runc, else crun; without
 * one the agent still starts and refuses containers, saying why), recovery of the containers of
 * an earlier agent ({@link AgentRecovery}), then the {@link NodeAgent} actor and a
 * {@link SchedulerWatch} that makes it register with each scheduler incarnation the receptionist
 * lists. Images come from the node's {@link ImageService}, which the caller opened (the image
 * API shares it); the agent listens to its content store to tell the scheduler which blobs the
 * node holds, and measures its containers' use from their cgroups ({@link CgroupUsage}).
 *
 * <p>Stopping the node lets go of its containers without stopping them (the runtime's
 * {@code close}): they keep running and the next agent adopts them, as Docker's live-restore.
 */
public final class NodeAgentRole {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgentRole.class);

    /** A started agent. {@code close} is idempotent and also runs at coordinated shutdown. */
    public record Running(ActorRef<NodeAgent.Command> agent, ContainerService containers, NodeAgentSettings settings,
                          Optional<String> unavailable, String runtimeSummary, AutoCloseable resources)
            implements AutoCloseable {
        @Override
        public void close() {
            try {
                resources.close();
            } catch (Exception e) {
                LOG.warn("closing the agent's resources: {}", e.toString());
            }
        }
    }

    private NodeAgentRole() {
    }

    /**
     * @param images  the node's images (the caller closes it after the node stopped)
     * @param address the node's HTTP base URL, once the HTTP port is bound: the agent registers
     *                with the scheduler only then, so that the scheduler can reach it
     */
    public static Running start(ActorSystem<?> system, NodeAgentSettings settings, ImageService images,
                                java.util.concurrent.CompletionStage<String> address) {
        try {
            return doStart(system, settings, images, address);
        } catch (IOException e) {
            throw new UncheckedIOException("start the node agent in " + settings.dataDir() + ": " + e.getMessage(), e);
        }
    }

    private static Running doStart(ActorSystem<?> system, NodeAgentSettings settings, ImageService images,
                                   java.util.concurrent.CompletionStage<String> address) throws IOException {
        Files.createDirectories(settings.dataDir());
        List<AutoCloseable> closeables = new ArrayList<>();
        ImageServiceRootfs rootfs = new ImageServiceRootfs(images, settings.insecureRegistries());

        Shim shim = Shim.select(settings.shim(), settings.dataDir().resolve("bin"));
        LOG.info("container shim: {}", shim.describe());
        Optional<OciCliRuntime> runtime = chooseRuntime(settings, shim);
        Optional<String> unavailable = Optional.empty();
        String summary;
        if (runtime.isPresent()) {
            closeables.add(0, runtime.get());
            summary = runtime.get().capabilities().name() + " " + runtime.get().capabilities().version()
                    + (shim instanceof Shim.Compiled ? " under the compiled gantry-shim" : " under the shell shim");
        } else {
            unavailable = Optional.of("no usable OCI runtime (see the agent's log for the probe's report)");
            summary = "none";
        }

        ContainerPaths paths = ContainerPaths.under(settings.dataDir());
        ContainerRecords records = new ContainerRecords(settings.stateDir().resolve("containers"));
        BundleWriter bundles = new BundleWriter(BundleWriter.Settings.defaults(settings.dataDir())
                .withCgroupParent(settings.cgroupParent()).withShim(shim));
        ContainerRuntime rt = runtime.isPresent() ? runtime.get() : new UnavailableRuntime(unavailable.get());
        NodeContainerOperations ops = new NodeContainerOperations(paths, rootfs, bundles, rt, records, settings.logRotation());
        List<NodeAgent.Recovered> recovered = List.of();
        if (runtime.isPresent()) {
            recovered = AgentRecovery.recover(records, ops, rt, rootfs, paths).containers();
        } else {
            LOG.warn("node {} cannot run containers; its container records are left as they are", settings.nodeId());
        }

        Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        NodeResources capacity = HostCapacity.resolve(settings.cpuMillis(), settings.memoryBytes(), settings.memoryReserve());
        RuntimeInfo runtimeInfo = runtimeInfo(rt.capabilities(), runtime.isPresent());
        java.util.function.Function<String, NodeInfo> nodeInfo = at -> {
            try {
                return new NodeInfo(settings.nodeId(), at, settings.labels(), capacity, runtimeInfo, rootfs.heldBlobs());
            } catch (IOException e) {
                throw new UncheckedIOException("list the blobs of " + settings.dataDir(), e);
            }
        };
        CgroupUsage cgroups = CgroupUsage.of(CgroupLayout.detect());
        UsageMeter usage = ids -> cgroups.sample(
                ids.stream().map(id -> BundleWriter.cgroupsPath(settings.cgroupParent(), id)).toList(), System.nanoTime());
        NodeAgent.Setup setup = new NodeAgent.Setup(settings, ops, unavailable, nodeInfo, address, new AgentState(settings.stateDir()),
                blocking, Clock.systemUTC(), new SecureRandom(), recovered, usage);
        ActorRef<NodeAgent.Command> agent = system.systemActorOf(NodeAgent.create(setup), "node-agent", Props.empty());
        ContentListener blobs = NodeAgent.contentListener(agent);
        images.content().addListener(blobs);
        closeables.add(() -> images.content().removeListener(blobs));
        system.systemActorOf(SchedulerWatch.create(agent), "scheduler-watch", Props.empty());
        ContainerService service = new AgentContainerService(system, agent, settings.askTimeout(), paths, rootfs,
                Optional.of(new ContainerCommitter(images.images(), rootfs, images.options().platform(), Clock.systemUTC())),
                blocking);

        AtomicBoolean closed = new AtomicBoolean();
        AutoCloseable resources = () -> {
            if (closed.compareAndSet(false, true)) {
                for (AutoCloseable c : closeables) {
                    c.close();
                }
            }
        };
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "release-containers",
                () -> {
                    try {
                        resources.close();
                    } catch (Exception e) {
                        LOG.warn("releasing containers: {}", e.toString());
                    }
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        LOG.info("node agent {} started: runtime {}, snapshotter {}, {} container(s) recovered", settings.nodeId(), summary,
                images.snapshotter().kind(), recovered.size());
        return new Running(agent, service, settings, unavailable, summary, resources);
    }

    /** Probes the configured runtime (or runc, then crun, for auto) under {@code shim} and opens the first that works. */
    static Optional<OciCliRuntime> chooseRuntime(NodeAgentSettings settings, Shim shim) {
        RuntimeProbe probe = new RuntimeProbe(settings.dataDir().resolve("runtime-probe"), settings.cgroupParent(), shim);
        List<RuntimeProbe.Result> results = new ArrayList<>();
        for (RuntimeProbe.Candidate c : RuntimeProbe.defaultCandidates()) {
            if (!settings.runtime().equals("auto") && !c.binary().name().equals(settings.runtime())) {
                continue;
            }
            RuntimeProbe.Result r = probe.probe(List.of(c)).results().get(0);
            results.add(r);
            if (r.works()) {
                LOG.info("OCI runtime: {}", new RuntimeProbe.Report(results).summary());
                return Optional.of(new OciCliRuntime(c.binary(), OciCliRuntime.Options.underDataDir(settings.dataDir(), c.binary(), shim)));
            }
        }
        LOG.error("no usable OCI runtime ({}): {}", settings.runtime(), new RuntimeProbe.Report(results).summary());
        return Optional.empty();
    }

    static RuntimeInfo runtimeInfo(RuntimeCapabilities c, boolean usable) {
        Set<String> caps = new LinkedHashSet<>();
        if (usable) {
            caps.addAll(List.of("memory-limit", "cpu-limit", "pids-limit", "network-host", "network-none"));
            if (c.detectsOom()) {
                caps.add("oom-detection");
            }
            if (c.recoversAfterAgentRestart()) {
                caps.add("live-restore");
            }
            if (c.sendsSignals()) {
                caps.add("signals");
            }
        }
        return new RuntimeInfo(c.name(), c.version(), caps);
    }
}
