package io.gantry.agent.node;

import io.gantry.protocol.oci.Digest;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the scheduler should hear about the blobs a node holds: the net difference between what it
 * was told last (the whole set in {@code RegisterNode}, then each {@code LayersChanged}) and what
 * the content store holds now. The agent sends it at most once per short interval instead of a
 * message per blob, and nothing when nothing differs: a blob committed and deleted again before
 * the report is no news, nor is one deleted and committed again.
 *
 * <p>It compares with what was told rather than cancelling opposite events, because the whole set
 * of a registration is listed while blobs keep changing: an event may arrive before or after the
 * listing that already reflects it. The latest event per blob is the truth, and comparing that
 * with the set told is right either way.
 *
 * <p>Not thread-safe: the agent actor owns it.
 */
final class LayerChanges {

    /** The net difference to send: blobs to add to and to remove from the scheduler's view. */
    record Delta(Set<Digest> added, Set<Digest> removed) {
        Delta {
            added = Set.copyOf(added);
            removed = Set.copyOf(removed);
        }
    }

    /** What the scheduler holds for this node, as far as this agent told it. */
    private Set<Digest> told = new HashSet<>();
    /** The latest event per blob since the last report: true when committed, false when deleted. */
    private final Map<Digest, Boolean> latest = new HashMap<>();

    void committed(Digest digest) {
        latest.put(digest, true);
    }

    void deleted(Digest digest) {
        latest.put(digest, false);
    }

    /** The scheduler was sent the whole set (a registration): differences count from it now. */
    void told(Set<Digest> wholeSet) {
        told = new HashSet<>(wholeSet);
    }

    /** Events have arrived since the last report (they may still add up to no difference). */
    boolean hasEvents() {
        return !latest.isEmpty();
    }

    /** The difference to send, taken as told; empty when there is none. */
    Optional<Delta> drain() {
        Set<Digest> added = new HashSet<>();
        Set<Digest> removed = new HashSet<>();
        latest.forEach((digest, held) -> {
            if (held && told.add(digest)) {
                added.add(digest);
            } else if (!held && told.remove(digest)) {
                removed.add(digest);
            }
        });
        latest.clear();
        return added.isEmpty() && removed.isEmpty() ? Optional.empty() : Optional.of(new Delta(added, removed));
    }
}
