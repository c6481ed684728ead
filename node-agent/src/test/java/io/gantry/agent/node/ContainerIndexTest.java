package io.gantry.agent.node;

import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerNotFoundException;
import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerView;
import io.gantry.protocol.job.JobSpec;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainerIndexTest {

    static ContainerView view(String id, String name, ContainerPhase phase, Instant created) {
        return new ContainerView(id, name, "busybox", Optional.empty(), phase, created, Optional.empty(), Optional.empty(), 0,
                Optional.empty(), "", 0, false, Optional.empty(), "", Optional.empty(), false, false, List.of(),
                JobSpec.builder(id, "busybox").build());
    }

    private final ContainerIndex index = new ContainerIndex();

    {
        index.put(view("abc111", "web", ContainerPhase.RUNNING, Instant.ofEpochSecond(1)));
        index.put(view("abc222", "db", ContainerPhase.EXITED, Instant.ofEpochSecond(2)));
        index.put(view("def333", "abc", ContainerPhase.RUNNING, Instant.ofEpochSecond(3)));
    }

    @Test
    void resolvesIdsNamesAndUniquePrefixes() {
        assertEquals("abc111", index.resolve("abc111"));
        assertEquals("abc222", index.resolve("db"));
        assertEquals("abc111", index.resolve("abc1"));
        assertEquals("def333", index.resolve("d"));
        assertEquals("def333", index.resolve("abc"), "an exact name wins over an id prefix, as in Docker");
    }

    @Test
    void anAmbiguousPrefixIsAConflictNamingTheCandidates() {
        ContainerConflictException e = assertThrows(ContainerConflictException.class, () -> index.resolve("abc2".substring(0, 2)));
        assertTrue(e.getMessage().contains("abc111") && e.getMessage().contains("abc222"), e.getMessage());
    }

    @Test
    void unknownReferencesAreNotFound() {
        assertThrows(ContainerNotFoundException.class, () -> index.resolve("zzz"));
        assertThrows(ContainerNotFoundException.class, () -> index.resolve(""));
    }

    @Test
    void listsNewestFirstAndHidesEndedOnesUnlessAll() {
        assertEquals(List.of("def333", "abc111"), index.list(false).stream().map(ContainerView::id).toList());
        assertEquals(List.of("def333", "abc222", "abc111"), index.list(true).stream().map(ContainerView::id).toList());
    }

    @Test
    void removalFreesTheName() {
        assertTrue(index.nameTaken("web"));
        index.remove("abc111");
        assertFalse(index.nameTaken("web"));
        assertThrows(ContainerNotFoundException.class, () -> index.resolve("web"));
    }
}
