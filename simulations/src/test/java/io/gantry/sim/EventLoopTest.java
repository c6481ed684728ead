package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventLoopTest {

    @Test
    void runsInTimeOrderThenInTheOrderScheduled() {
        EventLoop loop = new EventLoop();
        List<String> seen = new ArrayList<>();
        loop.at(20, () -> seen.add("b@20"));
        loop.at(10, () -> seen.add("a@10"));
        loop.at(20, () -> seen.add("c@20"));
        loop.at(10, () -> loop.after(0, () -> seen.add("d@10 scheduled while running")));
        loop.at(50, () -> seen.add("late"));
        loop.runUntil(30);
        assertEquals(List.of("a@10", "d@10 scheduled while running", "b@20", "c@20"), seen);
        assertEquals(30, loop.now());
    }

    @Test
    void theRandomStreamIsFixedByTheSeed() {
        SimRandom a = new SimRandom(99);
        SimRandom b = new SimRandom(99);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextLong(), b.nextLong());
        }
        SimRandom sa = a.split();
        SimRandom sb = b.split();
        assertEquals(sa.between(0, 1_000_000), sb.between(0, 1_000_000));
    }
}
