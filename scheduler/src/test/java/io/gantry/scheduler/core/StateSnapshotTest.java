package io.gantry.scheduler.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.serialization.GantryJson;
import io.gantry.scheduler.placement.SplitMix64;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.gantry.scheduler.core.SchedulerHarness.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot, written as JSON and read back, restores a state that is not only equal but takes
 * the same decisions: the same commands against the original and the restored state give the
 * same outcomes, step by step, through a seeded random history.
 */
class StateSnapshotTest {

    static final long GIB = 1L << 30;
    static final ObjectMapper JSON = GantryJson.mapper();

    @Test
    void restoredStatesDecideExactlyAsTheOriginal() throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            SplitMix64 rnd = new SplitMix64(seed);
            SchedulerHarness h = new SchedulerHarness();
            for (int i = 0; i < 4; i++) {
                h.registerNode(node("n" + i, 4000, 8 * GIB));
            }
            for (int step = 0; step < 60; step++) {
                randomStep(h, rnd);
            }
            SchedulerState restored = roundTrip(h.state());
            assertEquals(h.state().toSnapshot(), restored.toSnapshot(), "seed " + seed);
            assertEquals(h.state().fingerprint(), restored.fingerprint(), "seed " + seed);

            // Continue both with the same commands.
            SchedulerCore core = h.core();
            for (int step = 0; step < 40; step++) {
                for (Object c : nextCommands(h, rnd)) {
                    // a Duration: time passes (the harness ticks at the new time)
                    Outcome original = c instanceof Duration d ? h.advance(d) : h.handle((SchedulerCommand) c);
                    Outcome copy = core.handle(restored, h.now(),
                            c instanceof Duration ? new SchedulerCommand.Tick() : (SchedulerCommand) c);
                    assertEquals(original.effects(), copy.effects(), "seed " + seed + " step " + step + ": " + c);
                }
            }
            assertEquals(h.state().toSnapshot(), restored.toSnapshot(), "seed " + seed + " after continuing");
        }
    }

    @Test
    void anUnknownFormatIsRefusedWithTheVersion() {
        StateSnapshot s = new SchedulerHarness().state().toSnapshot();
        StateSnapshot future = new StateSnapshot(99, s.epoch(), s.epochStartedAt(), s.eventsApplied(),
                s.allocationsCreated(), s.plansApplied(), s.jobs(), s.allocations(), s.nodes(), s.activeByNode(),
                s.imageLayers(), s.blockedJobs(), s.dueReschedules(), s.awaitingAgent());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulerState.restore(future));
        assertTrue(e.getMessage().contains("format 99"), e.getMessage());
    }

    static SchedulerState roundTrip(SchedulerState state) throws Exception {
        byte[] json = JSON.writeValueAsBytes(state.toSnapshot());
        return SchedulerState.restore(JSON.readValue(json, StateSnapshot.class));
    }

    private static void randomStep(SchedulerHarness h, SplitMix64 rnd) {
        for (Object c : nextCommands(h, rnd)) {
            if (c instanceof Duration d) {
                h.advance(d);
            } else {
                h.handle((SchedulerCommand) c);
            }
        }
        if (rnd.nextInt(3) == 0) {
            h.acknowledgeAll();
        }
    }

    /**
     * Commands (or a Duration for time passing) decided before any is handled, so that both
     * states can be given the same ones.
     */
    private static List<Object> nextCommands(SchedulerHarness h, SplitMix64 rnd) {
        List<Object> out = new ArrayList<>();
        switch (rnd.nextInt(8)) {
            case 0, 1 -> out.add(new SchedulerCommand.SubmitJob(JobSpec.builder("job" + rnd.nextInt(5),
                    "registry.local/app:" + rnd.nextInt(2)).count(1 + rnd.nextInt(4))
                    .resources(250L * (1 + rnd.nextInt(4)), GIB / 4 * (1 + rnd.nextInt(4))).build()));
            case 2 -> out.add(new SchedulerCommand.ScaleJob("job" + rnd.nextInt(5), rnd.nextInt(5)));
            case 3 -> out.add(new SchedulerCommand.NodeDown(io.gantry.protocol.node.NodeId.of("n" + rnd.nextInt(4)),
                    "test"));
            case 4 -> out.add(new SchedulerCommand.RegisterNode(node("n" + rnd.nextInt(5), 4000, 8 * GIB),
                    h.state().epoch()));
            case 5 -> {
                List<AllocationRecord> placed = h.state().allAllocations().stream()
                        .filter(a -> a.state() == AllocationState.PLACED || a.state() == AllocationState.RUNNING)
                        .sorted(java.util.Comparator.comparing(AllocationRecord::id)).toList();
                if (!placed.isEmpty()) {
                    AllocationRecord a = placed.get(rnd.nextInt(placed.size()));
                    AllocationState s = switch (rnd.nextInt(3)) {
                        case 0 -> AllocationState.RUNNING;
                        case 1 -> AllocationState.FAILED;
                        default -> AllocationState.EXITED;
                    };
                    out.add(new SchedulerCommand.ReportAllocation(a.node().orElseThrow(), h.state().epoch(),
                            io.gantry.protocol.allocation.AllocationStatus.of(a.id(), s, "", h.now())));
                }
            }
            case 6 -> out.add(new SchedulerCommand.DrainNode(io.gantry.protocol.node.NodeId.of("n" + rnd.nextInt(4))));
            default -> out.add(Duration.ofSeconds(1 + rnd.nextInt(30)));
        }
        return out;
    }
}
