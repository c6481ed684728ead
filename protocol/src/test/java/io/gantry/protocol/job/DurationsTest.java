package io.gantry.protocol.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "0, 0s, 0",
            "0s, 0s, 0",
            "250ms, 250ms, 250000000",
            "1s, 1s, 1000000000",
            "90s, 1m30s, 90000000000",
            "1m30s, 1m30s, 90000000000",
            "2h, 2h, 7200000000000",
            "1h1m1s1ms, 1h1m1s1ms, 3661001000000",
            "1500ms, 1s500ms, 1500000000",
            "10us, 10us, 10000",
            "7ns, 7ns, 7"})
    void parsesGoStyleDurations(String text, String canonical, long nanos) {
        Duration d = Durations.parse(text);
        assertEquals(Duration.ofNanos(nanos), d);
        assertEquals(canonical, Durations.format(d));
        assertEquals(d, Durations.parse(Durations.format(d)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "10", "1.5s", "-1s", "s", "1 s", "1S", "1d", "PT1S", "1s ", "ms1"})
    void refusesAnythingElseShowingTheSyntax(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("\"1m30s\""), e.getMessage());
    }

    @Test
    void refusesOverflow() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999999h"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("9223372036854775807h"));
    }
}
