package io.gantry.protocol.job;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConstraintTest {

    private static final Map<String, String> ZONE_A_SSD = Map.of("zone", "a", "disk", "ssd");
    private static final Map<String, String> ZONE_B = Map.of("zone", "b");
    private static final Map<String, String> NO_LABELS = Map.of();

    @Test
    void equalsNeedsTheLabelWithThatValue() {
        Constraint c = Constraint.equal("zone", "a");
        assertTrue(c.matches(ZONE_A_SSD));
        assertFalse(c.matches(ZONE_B));
        assertFalse(c.matches(NO_LABELS));
    }

    @Test
    void notEqualsHoldsForAnotherValueOrNoLabel() {
        Constraint c = Constraint.notEqual("zone", "a");
        assertFalse(c.matches(ZONE_A_SSD));
        assertTrue(c.matches(ZONE_B));
        assertTrue(c.matches(NO_LABELS));
    }

    @Test
    void inNeedsOneOfTheValues() {
        Constraint c = Constraint.in("disk", "ssd", "nvme");
        assertTrue(c.matches(ZONE_A_SSD));
        assertTrue(c.matches(Map.of("disk", "nvme")));
        assertFalse(c.matches(Map.of("disk", "hdd")));
        assertFalse(c.matches(NO_LABELS));
    }

    @Test
    void notInHoldsForOtherValuesAndForNoLabel() {
        Constraint c = Constraint.notIn("zone", "a", "c");
        assertFalse(c.matches(ZONE_A_SSD));
        assertTrue(c.matches(ZONE_B));
        assertTrue(c.matches(NO_LABELS));
    }

    @Test
    void comparesExactlyWithoutCaseFolding() {
        assertFalse(Constraint.equal("zone", "A").matches(ZONE_A_SSD));
        assertFalse(Constraint.equal("Zone", "a").matches(ZONE_A_SSD));
    }

    @Test
    void readsLikeTheDocument() {
        assertEquals("zone = a", Constraint.equal("zone", "a").toString());
        assertEquals("disk in [ssd, nvme]", Constraint.in("disk", "ssd", "nvme").toString());
    }
}
