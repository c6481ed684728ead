package io.gantry.agent.node;

import io.gantry.protocol.oci.Digest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerChangesTest {

    static final Digest A = digest("a");
    static final Digest B = digest("b");
    static final Digest C = digest("c");
    static final Digest D = digest("d");

    static Digest digest(String s) {
        return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static Optional<LayerChanges.Delta> delta(Set<Digest> added, Set<Digest> removed) {
        return Optional.of(new LayerChanges.Delta(added, removed));
    }

    @Test
    void nothingHappenedIsNothingToSend() {
        LayerChanges changes = new LayerChanges();
        changes.told(Set.of(A));
        assertFalse(changes.hasEvents());
        assertEquals(Optional.empty(), changes.drain());
    }

    @Test
    void theNetDifferenceOfManyChangesIsSentOnceAndThenNothing() {
        LayerChanges changes = new LayerChanges();
        changes.told(Set.of(A, B));
        changes.committed(C);
        changes.committed(D);
        changes.deleted(A);
        changes.committed(C); // the same commit heard twice is one addition
        changes.committed(B); // already told
        assertTrue(changes.hasEvents());
        assertEquals(delta(Set.of(C, D), Set.of(A)), changes.drain());
        assertFalse(changes.hasEvents());
        assertEquals(Optional.empty(), changes.drain());

        changes.deleted(C); // differences count from what was reported last
        assertEquals(delta(Set.of(), Set.of(C)), changes.drain());
    }

    @Test
    void oppositeChangesOfOneBlobBeforeAReportAreNoNews() {
        LayerChanges changes = new LayerChanges();
        changes.told(Set.of(B));
        changes.committed(A);
        changes.deleted(A); // committed and gone again: the scheduler never knew of it
        changes.deleted(B);
        changes.committed(B); // deleted and committed again: the scheduler still counts it
        assertTrue(changes.hasEvents(), "events arrived");
        assertEquals(Optional.empty(), changes.drain(), "but they add up to no difference");
    }

    @Test
    void eventsAroundARegistrationCountAgainstTheSetItListed() {
        LayerChanges changes = new LayerChanges();
        changes.told(Set.of(A));
        // while the registration's listing is taken: B committed before it (so listed), C after it
        // (not listed), A deleted before it (not listed), D committed before and deleted after it
        changes.committed(B);
        changes.deleted(A);
        changes.committed(D);
        changes.committed(C);
        changes.deleted(D);
        changes.told(Set.of(B, D)); // the RegisterNode that was sent
        assertEquals(delta(Set.of(C), Set.of(D)), changes.drain());
    }
}
