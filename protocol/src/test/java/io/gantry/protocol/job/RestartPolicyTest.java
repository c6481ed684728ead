package io.gantry.protocol.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartPolicyTest {

    @ParameterizedTest
    @CsvSource({
            "no, NO, 0",
            "always, ALWAYS, 0",
            "unless-stopped, UNLESS_STOPPED, 0",
            "on-failure, ON_FAILURE, 0",
            "on-failure:1, ON_FAILURE, 1",
            "on-failure:3, ON_FAILURE, 3",
            "on-failure:999999999, ON_FAILURE, 999999999"})
    void parsesAndFormatsBack(String text, RestartPolicy.Kind kind, int max) {
        RestartPolicy p = RestartPolicy.parse(text);
        assertEquals(kind, p.kind());
        assertEquals(max, p.maxRetries());
        assertEquals(text, p.format());
    }

    @Test
    void unlimitedUnlessACountIsGiven() {
        assertTrue(RestartPolicy.parse("on-failure").unlimited());
        assertTrue(RestartPolicy.ALWAYS.unlimited());
        assertFalse(RestartPolicy.parse("on-failure:2").unlimited());
        assertFalse(RestartPolicy.NO.unlimited());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "never", "On-Failure", "on-failure:", "on-failure:0", "on-failure:-1",
            "on-failure:x", "on-failure:1.5", "on-failure:3:4", "always:3", "no:1", "unless-stopped:2",
            "on-failure:9999999999", " always"})
    void refusesMalformedPoliciesWithAMessageNamingThem(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RestartPolicy.parse(text));
        assertTrue(e.getMessage().contains("restart policy"), e.getMessage());
    }

    @Test
    void messagesSayWhatToWriteInstead() {
        assertTrue(RestartPolicy.parse("on-failure:3").equals(RestartPolicy.onFailure(3)));
        String zero = assertThrows(IllegalArgumentException.class, () -> RestartPolicy.parse("on-failure:0")).getMessage();
        assertTrue(zero.contains("write 'on-failure' for no limit"), zero);
        String always = assertThrows(IllegalArgumentException.class, () -> RestartPolicy.parse("always:2")).getMessage();
        assertTrue(always.contains("only on-failure takes a max retry count"), always);
        String unknown = assertThrows(IllegalArgumentException.class, () -> RestartPolicy.parse("sometimes")).getMessage();
        assertTrue(unknown.contains("no, on-failure, on-failure:MAX_RETRIES, always or unless-stopped"), unknown);
    }

    @Test
    void constructorKeepsTheValueTypeConsistent() {
        assertThrows(IllegalArgumentException.class, () -> new RestartPolicy(RestartPolicy.Kind.ALWAYS, 2));
        assertThrows(IllegalArgumentException.class, () -> new RestartPolicy(RestartPolicy.Kind.ON_FAILURE, -1));
        assertThrows(IllegalArgumentException.class, () -> RestartPolicy.onFailure(0));
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(3));
        assertEquals(Duration.ofMillis(500), b.delayBefore(1));
        assertEquals(Duration.ofSeconds(1), b.delayBefore(2));
        assertEquals(Duration.ofSeconds(2), b.delayBefore(3));
        assertEquals(Duration.ofSeconds(3), b.delayBefore(4));
        assertEquals(Duration.ofSeconds(3), b.delayBefore(1_000_000));
    }
}
