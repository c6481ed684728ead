package io.gantry.sim;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulated agent's epoch fencing, driven directly: in the simulation runs the journal's
 * sequence numbers stop a deposed scheduler before it can send anything, so stale commands are
 * rare there; this is the agent's side of the guarantee on its own.
 */
class SimAgentTest {

    @Test
    void commandsFromAnOlderEpochAreDroppedAndANewerEpochIsAdopted() {
        Simulation sim = new Simulation(SimOptions.defaults().withFaults("none"), 1, FaultSchedule.none(), null);
        SimAgent agent = sim.agent(0);
        JobSpec spec = sim.workload().jobs().get(0).spec();
        agent.epochSeen = 5;

        agent.receive(sim.topology().agents(), new Messages.ToAgent(1, new RunAllocation(4, AllocationId.of("stale-1"),
                spec, 1, 0, Optional.empty())));
        assertTrue(agent.containers.isEmpty(), "a run from epoch 4 is ignored after epoch 5");
        assertEquals(1, sim.stats().staleCommandsRejected);

        agent.receive(sim.topology().agents(), new Messages.ToAgent(2, new RunAllocation(6, AllocationId.of("fresh-1"),
                spec, 1, 0, Optional.empty())));
        assertTrue(agent.containers.containsKey(AllocationId.of("fresh-1")), "a run from epoch 6 is obeyed");
        assertEquals(6, agent.epochSeen, "and raises the epoch the agent obeys");

        agent.receive(sim.topology().agents(), new Messages.ToAgent(1, new StopAllocation(5, AllocationId.of("fresh-1"),
                "from the deposed scheduler")));
        assertTrue(!agent.containers.get(AllocationId.of("fresh-1")).stopRequested, "a stop from epoch 5 is ignored");
        assertEquals(2, sim.stats().staleCommandsRejected);
    }

    @Test
    void withoutFencingTheAgentObeysAnyEpoch() {
        Simulation sim = new Simulation(SimOptions.defaults().withFaults("none").withUnsafe("no-fencing"), 1,
                FaultSchedule.none(), null);
        SimAgent agent = sim.agent(0);
        agent.epochSeen = 5;
        agent.receive(sim.topology().agents(), new Messages.ToAgent(1, new RunAllocation(4, AllocationId.of("stale-1"),
                sim.workload().jobs().get(0).spec(), 1, 0, Optional.empty())));
        assertEquals(1, agent.containers.size());
    }
}
