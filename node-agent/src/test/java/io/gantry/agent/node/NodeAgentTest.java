package io.gantry.agent.node;

import com.typesafe.config.ConfigFactory;
import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerNotFoundException;
import io.gantry.agent.container.ContainerPaths;
import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerService;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.container.InvalidContainerRequestException;
import io.gantry.agent.runtime.FakeRuntime;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.ImageLayersResolved;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.NodeUsage;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.RuntimeInfo;
import io.gantry.protocol.oci.Digest;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node agent actor with a fake runtime: registration, epoch fencing of scheduler commands,
 * allocation reports and reconciliation, and the local container API. Messages are serialized
 * as in a cluster (serialize-messages on), so every report the scheduler gets crossed Kryo.
 */
class NodeAgentTest {

    @TempDir
    Path tmp;

    private ActorTestKit kit;
    private FakeRuntime runtime;
    private ActorRef<NodeAgent.Command> agent;
    private ContainerService service;
    private TestProbe<AgentReport> scheduler;
    /** The container ids the usage meter was asked about, in order. */
    private final List<List<String>> measured = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The blobs the node lists when it registers. */
    private volatile Set<Digest> held = Set.of();

    @BeforeEach
    void start() {
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.actor.serialize-creators = off
                pekko.loglevel = WARNING
                """).withFallback(ConfigFactory.load()));
        runtime = new FakeRuntime(r -> r.bundle().getFileName().toString().startsWith("fail") ? FakeRuntime.exits(1, "") : FakeRuntime.runsUntilSignalled());
        agent = kit.spawn(NodeAgent.create(setup(tmp, Duration.ZERO)), "agent");
        service = new AgentContainerService(kit.system(), agent, Duration.ofSeconds(5), ContainerPaths.under(tmp),
                null, Optional.empty(), kit.system().dispatchers().lookup(DispatcherSelector.blocking()));
        scheduler = kit.createTestProbe(AgentReport.class);
    }

    /** An agent of node n1 on the fake runtime; layer reports after 300 ms, usage every {@code usageInterval}. */
    private NodeAgent.Setup setup(Path dir, Duration usageInterval) {
        NodeAgentSettings defaults = NodeAgentSettings.defaults(dir).withNodeId(NodeId.of("n1"));
        NodeAgentSettings s = new NodeAgentSettings(dir, NodeId.of("n1"), Map.of("zone", "a"), 4000, 1L << 30, 0, "auto",
                "auto", "gantry-test", Duration.ofSeconds(2), defaults.restartBackoff(), defaults.logRotation(), Set.of(),
                Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofMillis(300), usageInterval);
        return new NodeAgent.Setup(s, new FakeOperations(runtime), Optional.empty(),
                at -> new NodeInfo(s.nodeId(), at, s.labels(), new NodeResources(4000, 1L << 30),
                        new RuntimeInfo("fake", "1", Set.of("memory-limit")), held),
                java.util.concurrent.CompletableFuture.completedFuture("http://127.0.0.1:1"),
                new AgentState(dir.resolve("state")), kit.system().dispatchers().lookup(DispatcherSelector.blocking()),
                Clock.systemUTC(), new Random(1), List.of(), ids -> {
                    measured.add(List.copyOf(ids));
                    return new NodeResources(ids.size() * 100L, ids.size() * (8L << 20));
                });
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    private ActorRef<AgentCommand> registered(long epoch) {
        agent.tell(new NodeAgent.SchedulerChanged(Optional.of(scheduler.getRef())));
        RegisterNode r = scheduler.expectMessageClass(RegisterNode.class);
        assertEquals("n1", r.nodeId().value());
        assertEquals(Map.of("zone", "a"), r.node().labels());
        r.agent().tell(new NodeRegistered(epoch, NodeId.of("n1")));
        return r.agent();
    }

    private AllocationStatusChanged expectState(AllocationState state) {
        return scheduler.fishForMessage(Duration.ofSeconds(5), m -> m instanceof AllocationStatusChanged c
                && c.status().state() == state
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
                .stream().map(AllocationStatusChanged.class::cast).reduce((a, b) -> b).orElseThrow();
    }

    private static void drain(TestProbe<?> probe) {
        while (true) {
            try {
                probe.receiveMessage(Duration.ofMillis(150));
            } catch (AssertionError timeout) {
                return;
            }
        }
    }

    private static RunAllocation run(long epoch, String alloc) {
        return new RunAllocation(epoch, AllocationId.of(alloc), JobSpec.builder("web", "127.0.0.1:5000/app:1")
                .restart(RestartPolicy.NO).build(), 1, 0, Optional.empty());
    }

    @Test
    void registersRepeatedlyUntilTheSchedulerAnswers() {
        agent.tell(new NodeAgent.SchedulerChanged(Optional.of(scheduler.getRef())));
        RegisterNode first = scheduler.expectMessageClass(RegisterNode.class);
        assertEquals(0, first.epochSeen());
        scheduler.expectMessageClass(RegisterNode.class, Duration.ofSeconds(2));
        first.agent().tell(new NodeRegistered(4, NodeId.of("n1")));
        drain(scheduler); // a RegisterNode may have crossed the answer
        scheduler.expectNoMessage(Duration.ofMillis(500));
        TestProbe<NodeAgent.AgentStatus> status = kit.createTestProbe();
        agent.tell(new NodeAgent.GetStatus(status.getRef()));
        NodeAgent.AgentStatus s = status.receiveMessage();
        assertTrue(s.registered());
        assertEquals(4, s.epoch());

        // the scheduler moved: register again, saying which epoch was obeyed last
        agent.tell(new NodeAgent.SchedulerChanged(Optional.of(scheduler.getRef())));
        assertEquals(4, scheduler.expectMessageClass(RegisterNode.class).epochSeen());
    }

    @Test
    void commandsOfAnOlderEpochAreDropped() throws Exception {
        ActorRef<AgentCommand> inbox = registered(5);
        inbox.tell(run(5, "a1"));
        AllocationStatusChanged running = expectState(AllocationState.RUNNING);
        assertEquals(5, running.epoch());
        assertEquals("a1", running.status().allocationId().value());

        inbox.tell(new StopAllocation(4, AllocationId.of("a1"), "from a deposed scheduler"));
        inbox.tell(run(3, "a2"));
        scheduler.expectNoMessage(Duration.ofMillis(400));
        List<ContainerView> live = service.list(false).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a1"), live.stream().map(ContainerView::id).toList(), "a1 still runs, a2 was never started");

        inbox.tell(new StopAllocation(6, AllocationId.of("a1"), "job stopped"));
        AllocationStatusChanged stopped = expectState(AllocationState.STOPPED);
        assertEquals(6, stopped.epoch(), "the fence moved up to the newer scheduler");
        assertEquals(6, new AgentState(tmp.resolve("state")).epoch(), "and is remembered across agent restarts");
        inbox.tell(run(5, "a3"));
        scheduler.expectNoMessage(Duration.ofMillis(300));
    }

    @Test
    void aRepeatedRunAllocationIsAnsweredWithTheCurrentStatus() {
        ActorRef<AgentCommand> inbox = registered(1);
        inbox.tell(run(1, "a1"));
        expectState(AllocationState.RUNNING);
        inbox.tell(run(1, "a1"));
        AllocationStatusChanged again = scheduler.expectMessageClass(AllocationStatusChanged.class);
        assertEquals(AllocationState.RUNNING, again.status().state());
        assertEquals(1, runtime.starts().size());
    }

    /** The next status report about {@code alloc}, skipping anything else the agent sends. */
    private AllocationStatusChanged expectStatusOf(String alloc) {
        return (AllocationStatusChanged) scheduler.fishForMessage(Duration.ofSeconds(5),
                m -> m instanceof AllocationStatusChanged c && c.status().allocationId().value().equals(alloc)
                        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
    }

    @Test
    void aStopIsAnsweredStoppedEvenWhenRepeatedOrOfAnAllocationTheNodeDoesNotHave() {
        // The scheduler re-sends a stop until it hears "stopped" (the first answer may be lost).
        ActorRef<AgentCommand> inbox = registered(1);
        inbox.tell(run(1, "a1"));
        expectState(AllocationState.RUNNING);
        inbox.tell(new StopAllocation(1, AllocationId.of("a1"), "node drained"));
        expectState(AllocationState.STOPPED);
        drain(scheduler);

        inbox.tell(new StopAllocation(1, AllocationId.of("a1"), "node drained")); // "stopped" was lost
        AllocationStatusChanged again = expectStatusOf("a1");
        assertEquals(AllocationState.STOPPED, again.status().state(), "answered again, not ignored");

        inbox.tell(new StopAllocation(1, AllocationId.of("elsewhere"), "job stopped"));
        assertEquals(AllocationState.STOPPED, expectStatusOf("elsewhere").status().state());
        assertEquals(1, runtime.starts().size(), "nothing started or stopped twice");
    }

    @Test
    void reconcileStopsWhatTheSchedulerDoesNotKnowAndReportsWhatItAskedFor() {
        ActorRef<AgentCommand> inbox = registered(1);
        inbox.tell(run(1, "a1"));
        expectState(AllocationState.RUNNING);
        inbox.tell(new ReconcileRequest(2, NodeId.of("n1"), Set.of(AllocationId.of("gone"))));
        ReconcileReport report = (ReconcileReport) scheduler.fishForMessage(Duration.ofSeconds(5), m -> m instanceof ReconcileReport
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
        assertEquals(2, report.epoch());
        assertTrue(report.allocations().stream().anyMatch(s -> s.allocationId().value().equals("gone")
                && s.state() == AllocationState.LOST), report.toString());
        assertTrue(report.allocations().stream().anyMatch(s -> s.allocationId().value().equals("a1")), report.toString());
        expectState(AllocationState.STOPPED);
    }

    @Test
    void localContainersByNameIdAndPrefix() throws Exception {
        ContainerView web = service.create(ContainerRequest.builder("127.0.0.1:5000/app:1").name("web").build())
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(64, web.id().length());
        assertEquals("web", web.name());
        ContainerView byPrefix = service.inspect(web.id().substring(0, 6)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(web.id(), byPrefix.id());

        CompletionException dup = assertThrows(CompletionException.class, () -> service.create(
                ContainerRequest.builder("127.0.0.1:5000/app:1").name("web").build()).toCompletableFuture().join());
        assertInstanceOf(ContainerConflictException.class, dup.getCause());

        CompletionException bad = assertThrows(CompletionException.class, () -> service.create(
                ContainerRequest.builder("UPPER/Case::x").memoryBytes(1).autoRemove(true).restart(RestartPolicy.ALWAYS).build())
                .toCompletableFuture().join());
        InvalidContainerRequestException invalid = assertInstanceOf(InvalidContainerRequestException.class, bad.getCause());
        assertEquals(List.of("image", "autoRemove", "memory"), invalid.problems().stream()
                .map(InvalidContainerRequestException.FieldProblem::field).toList());

        CompletionException running = assertThrows(CompletionException.class,
                () -> service.remove("web", false).toCompletableFuture().join());
        assertInstanceOf(ContainerConflictException.class, running.getCause());

        ContainerView stopped = service.stop("web", Optional.of(Duration.ofSeconds(1))).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(ContainerPhase.EXITED, stopped.phase());
        assertEquals(143, stopped.exitCode());
        assertEquals(List.of(), service.list(false).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals(1, service.list(true).toCompletableFuture().get(5, TimeUnit.SECONDS).size());

        service.remove("web", false).toCompletableFuture().get(5, TimeUnit.SECONDS);
        CompletionException gone = assertThrows(CompletionException.class, () -> service.inspect("web").toCompletableFuture().join());
        assertInstanceOf(ContainerNotFoundException.class, gone.getCause());
    }

    @Test
    void waitAnswersWhenTheContainerHasEndedForGood() throws Exception {
        ContainerView c = service.create(ContainerRequest.builder("127.0.0.1:5000/app:1").name("fail-x")
                        .restart(RestartPolicy.onFailure(1)).build()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        ContainerView end = service.awaitEnd(c.id()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ContainerPhase.EXITED, end.phase());
        assertEquals(1, end.restartCount());
        assertEquals(1, end.exitCode());
    }

    /** The reports of {@code type} the probe receives within {@code window}, others ignored. */
    private static <T> List<T> collect(TestProbe<AgentReport> probe, Class<T> type, Duration window) {
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return out;
            }
            try {
                AgentReport m = probe.receiveMessage(Duration.ofNanos(left));
                if (type.isInstance(m)) {
                    out.add(type.cast(m));
                }
            } catch (AssertionError timeout) {
                return out;
            }
        }
    }

    static Digest digest(String s) {
        return Digest.sha256(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void blobChangesReachTheSchedulerAsOneNetDifferencePerInterval() {
        Digest a = digest("a");
        Digest b = digest("b");
        Digest c = digest("c");
        Digest d = digest("d");
        Digest x = digest("x");
        // x is committed before any scheduler is known: the registration's listing has it
        agent.tell(new NodeAgent.BlobCommitted(x));
        held = Set.of(a, b, x);
        registered(1);

        agent.tell(new NodeAgent.BlobCommitted(c));
        agent.tell(new NodeAgent.BlobDeleted(a));
        agent.tell(new NodeAgent.BlobCommitted(d));
        agent.tell(new NodeAgent.BlobDeleted(d)); // gone again before the report: no news
        agent.tell(new NodeAgent.BlobCommitted(b)); // already told
        List<LayersChanged> reports = collect(scheduler, LayersChanged.class, Duration.ofMillis(1500));
        assertEquals(1, reports.size(), "one report for five changes: " + reports);
        assertEquals(Set.of(c), reports.get(0).added());
        assertEquals(Set.of(a), reports.get(0).removed());
        assertEquals("n1", reports.get(0).nodeId().value());

        agent.tell(new NodeAgent.BlobCommitted(a));
        agent.tell(new NodeAgent.BlobDeleted(a));
        assertEquals(List.of(), collect(scheduler, LayersChanged.class, Duration.ofMillis(800)),
                "changes that add up to nothing are not sent");

        agent.tell(new NodeAgent.SchedulerChanged(Optional.empty()));
        agent.tell(new NodeAgent.BlobDeleted(c));
        assertEquals(List.of(), collect(scheduler, LayersChanged.class, Duration.ofMillis(800)),
                "nothing is sent while no scheduler is known");
    }

    @Test
    void anAllocationsImageLayersAreToldOncePerSchedulerUnderTheJobsImageString() throws Exception {
        ActorRef<AgentCommand> inbox = registered(1);
        RunAllocation first = run(1, "a1");
        inbox.tell(first);
        ImageLayersResolved told = (ImageLayersResolved) scheduler.fishForMessage(Duration.ofSeconds(5),
                m -> m instanceof ImageLayersResolved
                        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
        assertEquals(first.job().image(), told.image());
        var layer = FakeOperations.layerOf(first.job().image());
        assertEquals(List.of(new ImageLayersResolved.Layer(layer.digest(), layer.size())), told.layers());
        expectState(AllocationState.RUNNING);

        // the same image again, and a local container: nothing more to tell
        inbox.tell(run(1, "a2"));
        service.create(ContainerRequest.builder("127.0.0.1:5000/other:1").build()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(List.of(), collect(scheduler, ImageLayersResolved.class, Duration.ofMillis(800)));

        // a new scheduler incarnation hears it again at the next allocation of the image
        agent.tell(new NodeAgent.SchedulerChanged(Optional.of(scheduler.getRef())));
        RegisterNode again = scheduler.expectMessageClass(RegisterNode.class);
        again.agent().tell(new NodeRegistered(2, NodeId.of("n1")));
        inbox.tell(run(2, "a3"));
        List<ImageLayersResolved> afterFailover = collect(scheduler, ImageLayersResolved.class, Duration.ofSeconds(1));
        assertEquals(1, afterFailover.size(), afterFailover.toString());
        assertEquals(told.layers(), afterFailover.get(0).layers());
    }

    @Test
    void whatTheRunningContainersUseIsReportedEveryInterval() {
        ActorRef<NodeAgent.Command> metered = kit.spawn(NodeAgent.create(setup(tmp.resolve("usage"), Duration.ofMillis(200))),
                "metered");
        TestProbe<AgentReport> probe = kit.createTestProbe(AgentReport.class);
        assertEquals(List.of(), collect(probe, NodeUsage.class, Duration.ofMillis(500)), "not before it registers");
        metered.tell(new NodeAgent.SchedulerChanged(Optional.of(probe.getRef())));
        RegisterNode r = probe.expectMessageClass(RegisterNode.class);
        r.agent().tell(new NodeRegistered(1, NodeId.of("n1")));
        NodeUsage idle = collect(probe, NodeUsage.class, Duration.ofMillis(700)).get(0);
        assertEquals(NodeResources.ZERO, idle.used());
        assertEquals(0, idle.runningAllocations());

        r.agent().tell(run(1, "u1"));
        NodeUsage busy = (NodeUsage) probe.fishForMessage(Duration.ofSeconds(5), m -> m instanceof NodeUsage u
                        && u.runningAllocations() == 1
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
        assertEquals(new NodeResources(100, 8L << 20), busy.used(), "what the meter measured for the one container");
        assertTrue(measured.contains(List.of("u1")), measured.toString());
        assertEquals("n1", busy.nodeId().value());
    }
}
