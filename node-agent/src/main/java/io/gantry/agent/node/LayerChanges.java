package io.gantry.agent.node;

import io.gantry.protocol.oci.Digest;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The blobs a node gained and lost since it last told the scheduler, as one net difference: the
 * agent reports {@code LayersChanged} at most once per short interval instead of once per blob.
 * A blob committed and deleted again within the interval cancels out (the scheduler never knew
 * of it), and so does one deleted and committed again (the scheduler still counts it).
 *
 * <p>Not thread-safe: the agent actor owns it and feeds it the content store's events in order.
 */
final class LayerChanges {

    /** The net difference to send: blobs to add to and to remove from the scheduler's view. */
    record Delta(Set<Digest> added, Set<Digest> removed) {
        Delta {
            added = Set.copyOf(added);
            removed = Set.copyOf(removed);
        }
    }

    /** Per blob, its net change: true when it was added, false when it was removed. */
    private final Map<Digest, Boolean> pending = new HashMap<>();

    void added(Digest digest) {
        change(digest, true);
    }

    void removed(Digest digest) {
        change(digest, false);
    }

    private void change(Digest digest, boolean added) {
        Boolean before = pending.get(digest);
        if (before != null && before != added) {
            pending.remove(digest); // the opposite change is pending: together they are none
        } else {
            pending.put(digest, added);
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The net difference so far, and a fresh start; empty when there is nothing to tell. */
    Optional<Delta> drain() {
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        Set<Digest> added = new HashSet<>();
        Set<Digest> removed = new HashSet<>();
        pending.forEach((digest, wasAdded) -> (wasAdded ? added : removed).add(digest));
        pending.clear();
        return Optional.of(new Delta(added, removed));
    }

    /** Forgets what is pending: the node is about to send (or cannot send) its whole set instead. */
    void clear() {
        pending.clear();
    }
}
