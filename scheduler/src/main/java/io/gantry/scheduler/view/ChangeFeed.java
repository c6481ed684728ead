package io.gantry.scheduler.view;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.scheduler.core.AllocationRecord;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerState;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the scheduler's persisted events into the changes users watch ({@link SchedulerChange}).
 * Bookkeeping events (layer inventories, learned image layers) are left out. Pure: the state
 * passed in is the one after the events, used only to name an allocation's job and node.
 */
public final class ChangeFeed {

    private long seq;

    /** @param lastSeq the sequence number of the last change already published (0 at start) */
    public ChangeFeed(long lastSeq) {
        this.seq = lastSeq;
    }

    public long lastSeq() {
        return seq;
    }

    public List<SchedulerChange> describe(List<SchedulerEvent> events, SchedulerState state) {
        List<SchedulerChange> out = new ArrayList<>();
        long epoch = state.epoch();
        for (SchedulerEvent event : events) {
            if (event instanceof SchedulerEvent.EpochStarted e) {
                out.add(change(e.epoch(), "scheduler", Long.toString(e.epoch()), "started", null, null,
                        "scheduler epoch " + e.epoch() + " started", event));
            } else if (event instanceof SchedulerEvent.JobSubmitted e) {
                out.add(change(epoch, "job", e.spec().id(), e.version() == 1 ? "submitted" : "updated", e.spec().id(),
                        null, "version " + e.version() + ", count " + e.spec().count() + ", image "
                                + e.spec().image(), event));
            } else if (event instanceof SchedulerEvent.JobStopped e) {
                out.add(change(epoch, "job", e.jobId(), "stopped", e.jobId(), null, "version " + e.version(), event));
            } else if (event instanceof SchedulerEvent.JobScaled e) {
                out.add(change(epoch, "job", e.jobId(), "scaled", e.jobId(), null,
                        "count " + e.count() + ", version " + e.version(), event));
            } else if (event instanceof SchedulerEvent.PlanApplied e) {
                for (SchedulerEvent.NewAllocation n : e.created()) {
                    out.add(change(epoch, "allocation", n.id().value(), "created", n.jobId(), null,
                            "index " + n.index() + ", job version " + n.jobVersion()
                                    + n.previous().map(p -> ", replaces " + p).orElse(""), event));
                }
                for (SchedulerEvent.PlacedAllocation p : e.placed()) {
                    out.add(change(epoch, "allocation", p.id().value(), "placed", jobOf(state, p.id()),
                            p.node().value(), "placed on " + p.node(), event));
                }
                for (SchedulerEvent.StoppedAllocation s : e.stopped()) {
                    // a pending allocation stops at once; a placed one when its agent says so
                    boolean stopped = state.allocation(s.id()).map(a -> a.state().terminal()).orElse(true);
                    out.add(change(epoch, "allocation", s.id().value(), stopped ? "stopped" : "stopping",
                            jobOf(state, s.id()), nodeOf(state, s.id()), s.reason(), event));
                }
                for (SchedulerEvent.PlacementFailed f : e.failed()) {
                    out.add(change(epoch, "job", f.jobId(), "placement-failed", f.jobId(), null,
                            f.unplaced() + " allocation(s) found no node: " + f.reasons(), event));
                }
            } else if (event instanceof SchedulerEvent.AllocationStateChanged e) {
                AllocationStatus s = e.status();
                String message = s.message()
                        + s.exit().map(x -> (s.message().isEmpty() ? "" : "; ") + x).orElse("");
                out.add(change(epoch, "allocation", s.allocationId().value(), s.state().text(),
                        jobOf(state, s.allocationId()), e.node().value(), message, event));
            } else if (event instanceof SchedulerEvent.RescheduleScheduled e) {
                out.add(change(epoch, "allocation", e.allocation().value(), "reschedule-scheduled",
                        jobOf(state, e.allocation()), nodeOf(state, e.allocation()),
                        "replacement not before " + e.notBefore() + " (attempt " + (e.attempt() + 1) + ")", event));
            } else if (event instanceof SchedulerEvent.NodeRegistered e) {
                out.add(change(epoch, "node", e.node().id().value(), "registered", null, e.node().id().value(),
                        "address " + e.node().address(), event));
            } else if (event instanceof SchedulerEvent.NodeDown e) {
                out.add(change(epoch, "node", e.node().value(), "down", null, e.node().value(), e.reason(), event));
            } else if (event instanceof SchedulerEvent.NodeDrainStarted e) {
                out.add(change(epoch, "node", e.node().value(), "draining", null, e.node().value(), "drain requested",
                        event));
            }
        }
        return out;
    }

    private SchedulerChange change(long epoch, String kind, String id, String change, String job, String node,
                                   String message, SchedulerEvent event) {
        return new SchedulerChange(epoch, ++seq, kind, id, change, Optional.ofNullable(job), Optional.ofNullable(node),
                message, event.at());
    }

    private static String jobOf(SchedulerState state, AllocationId id) {
        return state.allocation(id).map(AllocationRecord::jobId).orElse(null);
    }

    private static String nodeOf(SchedulerState state, AllocationId id) {
        return state.allocation(id).flatMap(AllocationRecord::node).map(n -> n.value()).orElse(null);
    }
}
