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

    static Digest digest(String s) {
        return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nothingHappenedIsNothingToSend() {
        LayerChanges changes = new LayerChanges();
        assertTrue(changes.isEmpty());
        assertEquals(Optional.empty(), changes.drain());
    }

    @Test
    void theNetDifferenceOfManyChangesIsSentOnceAndThenNothing() {
        LayerChanges changes = new LayerChanges();
        changes.added(A);
        changes.added(B);
        changes.removed(C);
        changes.added(A); // the same commit heard twice is one addition
        assertFalse(changes.isEmpty());
        assertEquals(Optional.of(new LayerChanges.Delta(Set.of(A, B), Set.of(C))), changes.drain());
        assertTrue(changes.isEmpty());
        assertEquals(Optional.empty(), changes.drain());
    }

    @Test
    void oppositeChangesOfOneBlobCancelOut() {
        LayerChanges changes = new LayerChanges();
        changes.added(A);
        changes.removed(A); // committed and gone again: the scheduler never knew of it
        changes.removed(B);
        changes.added(B); // deleted and committed again: the scheduler still counts it
        assertTrue(changes.isEmpty());
        assertEquals(Optional.empty(), changes.drain());

        changes.added(C);
        changes.removed(C);
        changes.added(C);
        assertEquals(Optional.of(new LayerChanges.Delta(Set.of(C), Set.of())), changes.drain());
    }

    @Test
    void clearForgetsWhatIsPending() {
        LayerChanges changes = new LayerChanges();
        changes.added(A);
        changes.removed(B);
        changes.clear();
        assertEquals(Optional.empty(), changes.drain());
    }
}
