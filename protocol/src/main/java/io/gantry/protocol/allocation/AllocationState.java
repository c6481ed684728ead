package io.gantry.protocol.allocation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where one allocation is in its life:
 * <pre>
 *  pending ─► placed ─► pulling ─► starting ─► running ─► exited | failed
 *     │          └────────┴───────────┴──────────┴──────► failed | lost | stopped
 *     └─► stopped                            ▲       │
 *                                            └───────┘ restart by policy
 * </pre>
 * {@code pending}: accepted, waiting for a node. {@code placed}: the scheduler chose a node and
 * sent RunAllocation. {@code pulling}: the agent fetches the image. {@code starting}: unpacking,
 * creating the container, or waiting out a restart backoff. {@code running}: the process runs.
 * Terminal: {@code exited} (exit code 0, no restart due), {@code failed} (non-zero exit, OOM
 * kill or start failure with no restart left), {@code lost} (its node left the cluster; the agent
 * of a downed node stops its containers), {@code stopped} (stopped by request: job stop, scale
 * down, drain).
 *
 * <p>Reports travel over the network and one may be missed, so any forward move is allowed
 * (pulling → running), not only the next step; the only backward move is running → starting,
 * an in-place restart. Repeating a non-terminal state is an update (restart count, message).
 * Nothing leaves a terminal state: a replacement is a new allocation.
 */
public enum AllocationState {
    PENDING, PLACED, PULLING, STARTING, RUNNING, EXITED, FAILED, LOST, STOPPED;

    /** No further transition: the allocation is finished and holds nothing on its node. */
    public boolean terminal() {
        return this == EXITED || this == FAILED || this == LOST || this == STOPPED;
    }

    /** Placed on a node and not finished: its resources are reserved there. */
    public boolean holdsResources() {
        return this != PENDING && !terminal();
    }

    /** Whether an allocation in this state may move to {@code next}, by the rules in the class comment. */
    public boolean canTransitionTo(AllocationState next) {
        if (terminal()) {
            return false;
        }
        if (next == this) {
            return true;
        }
        if (this == PENDING) {
            return next == PLACED || next == STOPPED;
        }
        if (this == RUNNING && next == STARTING) {
            return true;
        }
        return next.ordinal() > ordinal();
    }

    /** Every state this one may move to, including itself when it is not terminal. */
    public Set<AllocationState> successors() {
        Set<AllocationState> out = EnumSet.noneOf(AllocationState.class);
        for (AllocationState s : values()) {
            if (canTransitionTo(s)) {
                out.add(s);
            }
        }
        return out;
    }

    @JsonValue
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static AllocationState fromText(String text) {
        for (AllocationState s : values()) {
            if (s.text().equals(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an allocation state");
    }
}
