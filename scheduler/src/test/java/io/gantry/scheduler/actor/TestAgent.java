package io.gantry.scheduler.actor;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.node.NodeInfo;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node agent for tests: it speaks the real protocol (through the proxy, Kryo on the wire)
 * without running containers. It registers with every new scheduler incarnation it sees listed
 * under {@link SchedulerActor#SERVICE_KEY}, obeys commands of its highest epoch only, reports a
 * RunAllocation as running at once and a StopAllocation as stopped, and answers reconcile
 * requests from what it holds. Tests read what it runs from {@code running} and can make an
 * allocation fail with {@link Fail}.
 */
final class TestAgent {

    /** Makes the agent report the allocation failed (exit code 1). */
    record Fail(AllocationId allocation) implements NoSerializationVerificationNeeded {
    }

    private final NodeInfo info;
    private final ActorRef<AgentReport> scheduler;
    private final Map<AllocationId, AllocationState> allocations;
    private ActorRef<AgentCommand> self;
    private long epochSeen;
    private Set<ActorRef<AgentReport>> registeredWith = Set.of();

    private TestAgent(NodeInfo info, ActorRef<AgentReport> scheduler, Map<AllocationId, AllocationState> allocations) {
        this.info = info;
        this.scheduler = scheduler;
        this.allocations = allocations;
    }

    /** @param allocations filled by the agent: what it holds and in which state */
    static Behavior<Object> create(NodeInfo info, ActorRef<AgentReport> scheduler,
                                   ConcurrentHashMap<AllocationId, AllocationState> allocations) {
        return Behaviors.setup(ctx -> {
            TestAgent agent = new TestAgent(info, scheduler, allocations);
            ActorRef<Object> any = ctx.getSelf();
            agent.self = any.narrow();
            ActorRef<Receptionist.Listing> listings = any.narrow();
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(SchedulerActor.SERVICE_KEY, listings));
            return Behaviors.receiveMessage(m -> {
                agent.on(m);
                return Behaviors.same();
            });
        });
    }

    private void on(Object m) {
        if (m instanceof Receptionist.Listing l) {
            Set<ActorRef<AgentReport>> now = l.getServiceInstances(SchedulerActor.SERVICE_KEY);
            if (!now.isEmpty() && !registeredWith.containsAll(now)) {
                registeredWith = now;
                scheduler.tell(new RegisterNode(info, self, epochSeen));
            }
        } else if (m instanceof NodeRegistered r) {
            epochSeen = Math.max(epochSeen, r.epoch());
        } else if (m instanceof AgentCommand c) {
            if (c.epoch() < epochSeen) {
                return; // fenced: a deposed scheduler
            }
            epochSeen = c.epoch();
            if (c instanceof RunAllocation r) {
                allocations.putIfAbsent(r.allocationId(), AllocationState.RUNNING);
                report(r.allocationId(), allocations.get(r.allocationId()), Optional.empty());
            } else if (c instanceof StopAllocation s) {
                allocations.put(s.allocationId(), AllocationState.STOPPED);
                report(s.allocationId(), AllocationState.STOPPED, Optional.empty());
            } else if (c instanceof ReconcileRequest rr) {
                List<AllocationStatus> statuses = new ArrayList<>();
                for (AllocationId id : rr.allocations().stream().sorted().toList()) {
                    statuses.add(AllocationStatus.of(id, allocations.getOrDefault(id, AllocationState.LOST), "",
                            Instant.now()));
                }
                allocations.replaceAll((id, s) -> rr.allocations().contains(id) || s.terminal() ? s
                        : AllocationState.STOPPED); // orphans of commands the scheduler never recorded
                scheduler.tell(new ReconcileReport(info.id(), rr.epoch(), statuses));
            }
        } else if (m instanceof Fail f) {
            allocations.put(f.allocation(), AllocationState.FAILED);
            report(f.allocation(), AllocationState.FAILED, Optional.of(ExitStatus.exited(1)));
        }
    }

    private void report(AllocationId id, AllocationState state, Optional<ExitStatus> exit) {
        scheduler.tell(new AllocationStatusChanged(info.id(), epochSeen,
                new AllocationStatus(id, state, exit, 0, "", Optional.empty(), Instant.now())));
    }
}
