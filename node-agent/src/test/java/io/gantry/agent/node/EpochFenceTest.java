package io.gantry.agent.node;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EpochFenceTest {

    @Test
    void acceptsTheSameOrANewerEpochAndRejectsOlderOnes() {
        EpochFence f = new EpochFence(0);
        assertEquals(EpochFence.Verdict.ACCEPT_NEWER, f.admit(3));
        assertEquals(3, f.highest());
        assertEquals(EpochFence.Verdict.ACCEPT, f.admit(3));
        assertEquals(EpochFence.Verdict.REJECT_STALE, f.admit(2));
        assertEquals(3, f.highest(), "a stale command does not move the fence");
        assertEquals(EpochFence.Verdict.ACCEPT_NEWER, f.admit(7));
        assertEquals(EpochFence.Verdict.REJECT_STALE, f.admit(3), "the deposed scheduler of epoch 3 is fenced off");
        assertEquals(EpochFence.Verdict.REJECT_STALE, f.admit(0));
    }

    @Test
    void startsFromTheEpochTheAgentRemembered() {
        EpochFence f = new EpochFence(5);
        assertEquals(EpochFence.Verdict.REJECT_STALE, f.admit(4));
        assertEquals(EpochFence.Verdict.ACCEPT, f.admit(5));
        assertThrows(IllegalArgumentException.class, () -> new EpochFence(-1));
    }

    @Test
    void theEpochSurvivesInTheStateDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        AgentState s = new AgentState(tmp);
        assertEquals(0, s.epoch());
        s.writeEpoch(9);
        assertEquals(9, new AgentState(tmp).epoch());
    }
}
