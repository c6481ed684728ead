package io.gantry.protocol.job;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobValidatorTest {

    private static Set<String> paths(JobSpec spec) {
        return spec.validate().stream().map(Problem::path).collect(Collectors.toSet());
    }

    private static String messageAt(JobSpec spec, String path) {
        return spec.validate().stream().filter(p -> p.path().equals(path)).map(Problem::message).findFirst()
                .orElseThrow(() -> new AssertionError("no problem at " + path + " in " + spec.validate()));
    }

    private static JobSpec.Builder valid() {
        return JobSpec.builder("web", "busybox:1.36");
    }

    @Test
    void aFullSpecIsValid() {
        assertEquals(List.of(), JobSpecJsonTest.fullSpec().validate());
        assertEquals(List.of(), valid().build().validate());
    }

    @Test
    void listsEveryProblemAtOnceWithItsPath() {
        JobSpec spec = JobSpec.builder("Web_Frontend", "")
                .name("tab\there")
                .entrypoint(List.of("/bin/sh", "nul\0byte"))
                .env("GOOD", "1").env("BAD-NAME", "x").env("NUL", "a\0b")
                .workingDir("srv")
                .user("root user")
                .resources(new Resources(0, 1024, OptionalLong.of(0)))
                .count(JobValidator.MAX_COUNT + 1)
                .restartBackoff(new Backoff(Duration.ofMinutes(5), Duration.ofMinutes(1)))
                .stopTimeout(Duration.ofHours(2))
                .volume(Volume.bind("/srv/data", "/data", false))
                .volume(Volume.bind("relative", "/x", false))
                .volume(Volume.bind("/host", "/data", true))
                .volume(Volume.named("bad/name", "/y/../z", false))
                .volume(Volume.named("ok", "/proc/sys", false))
                .volume(Volume.named("ok2", "/", false))
                .constraint(new Constraint("zone", Constraint.Operator.EQUALS, List.of("a", "b")))
                .constraint(new Constraint("-zone", Constraint.Operator.IN, List.of()))
                .constraint(Constraint.notIn("disk", "ok", "new\nline"))
                .label("team", "web").label("bad key!", "v")
                .build();
        assertEquals(Set.of(
                "$.id", "$.name", "$.image", "$.entrypoint[1]",
                "$.env['BAD-NAME']", "$.env.NUL", "$.workingDir", "$.user",
                "$.resources.cpuMillis", "$.resources.memoryBytes", "$.resources.pids",
                "$.count", "$.restartBackoff.initial", "$.stopTimeout",
                "$.volumes[1].source", "$.volumes[2].target", "$.volumes[3].source", "$.volumes[3].target",
                "$.volumes[4].target", "$.volumes[5].target",
                "$.constraints[0].value", "$.constraints[1].label", "$.constraints[1].values",
                "$.constraints[2].values[1]",
                "$.labels['bad key!']"), paths(spec));
    }

    @Test
    void messagesSayWhatIsWrongAndWhatIsAllowed() {
        JobSpec spec = JobSpec.builder("Web_Frontend", "busybox")
                .resources(new Resources(0, 1024))
                .restartBackoff(new Backoff(Duration.ofMinutes(5), Duration.ofMinutes(1)))
                .volume(Volume.bind("/a", "/data", false))
                .volume(Volume.bind("/b", "/data/", false))
                .build();
        assertTrue(messageAt(spec, "$.id").contains("'Web_Frontend' is not a valid job id"));
        assertTrue(messageAt(spec, "$.resources.cpuMillis").contains("got 0"));
        assertTrue(messageAt(spec, "$.resources.memoryBytes").contains("(4 MiB)"));
        assertEquals("(5m) must not exceed max (1m)", messageAt(spec, "$.restartBackoff.initial"));
        assertEquals("'/data' is already the target of $.volumes[0]", messageAt(spec, "$.volumes[1].target"));
    }

    @Test
    void imageReferencesAreCheckedWithTheOciGrammar() {
        for (String ok : List.of("busybox", "busybox:1.36", "localhost:5000/team/web:1.4", "ghcr.io/org/app@sha256:"
                + "a".repeat(64), "127.0.0.1:5000/x")) {
            assertEquals(Set.of(), paths(valid().image(ok).build()), ok);
        }
        for (String bad : List.of("Busybox", "busybox:", "busybox:bad tag", "registry:5000/", "app@sha256:123",
                "a//b", ":latest")) {
            JobSpec spec = valid().image(bad).build();
            assertEquals(Set.of("$.image"), paths(spec), bad);
            assertTrue(messageAt(spec, "$.image").startsWith("invalid image reference '" + bad + "'"),
                    messageAt(spec, "$.image"));
        }
    }

    @Test
    void impossibleResourcesAreRefused() {
        assertEquals(Set.of("$.resources.cpuMillis", "$.resources.memoryBytes"),
                paths(valid().resources(Resources.MAX_CPU_MILLIS + 1, Resources.MAX_MEMORY_BYTES + 1).build()));
        assertEquals(Set.of("$.resources.cpuMillis", "$.resources.memoryBytes"),
                paths(valid().resources(-5, -1).build()));
        assertEquals(Set.of("$.resources.memoryBytes"), paths(valid().resources(1, Resources.MIN_MEMORY_BYTES - 1).build()));
        assertEquals(Set.of(), paths(valid().resources(1, Resources.MIN_MEMORY_BYTES).build()));
        assertEquals(Set.of(), paths(valid().resources(Resources.MAX_CPU_MILLIS, Resources.MAX_MEMORY_BYTES).build()));
    }

    @Test
    void countMayBeZeroButNotNegative() {
        assertEquals(Set.of(), paths(valid().count(0).build()));
        assertEquals(Set.of(), paths(valid().count(JobValidator.MAX_COUNT).build()));
        assertEquals(Set.of("$.count"), paths(valid().count(-1).build()));
    }

    @Test
    void jobIdsAreDnsLabels() {
        for (String ok : List.of("a", "web", "web-1", "0day", "a".repeat(63))) {
            assertEquals(Set.of(), paths(valid().id(ok).build()), ok);
        }
        for (String bad : List.of("-web", "web-", "Web", "web_1", "web.1", "a".repeat(64), "wéb")) {
            assertEquals(Set.of("$.id"), paths(valid().id(bad).build()), bad);
        }
    }

    @Test
    void backoffMustBePositiveAndCapped() {
        assertEquals(Set.of("$.restartBackoff.initial"),
                paths(valid().restartBackoff(new Backoff(Duration.ZERO, Duration.ofSeconds(1))).build()));
        assertEquals(Set.of("$.restartBackoff.max"),
                paths(valid().restartBackoff(new Backoff(Duration.ofSeconds(1), Duration.ofDays(2))).build()));
        assertEquals(Set.of(), paths(valid().restartBackoff(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1))).build()));
    }

    @Test
    void processArgsFollowDockerSemantics() {
        List<String> entry = List.of("/entry.sh");
        List<String> cmd = List.of("serve", "--port", "80");
        assertEquals(List.of("/entry.sh", "serve", "--port", "80"), valid().build().processArgs(entry, cmd));
        assertEquals(List.of("/entry.sh", "sh"), valid().command(List.of("sh")).build().processArgs(entry, cmd));
        // an entrypoint override drops the image's Cmd, like docker run --entrypoint
        assertEquals(List.of("/bin/true"), valid().entrypoint(List.of("/bin/true")).build().processArgs(entry, cmd));
        assertEquals(List.of("echo", "hi"),
                valid().entrypoint(List.of()).command(List.of("echo", "hi")).build().processArgs(entry, cmd));
        // args extend whatever command applies
        assertEquals(List.of("/entry.sh", "serve", "--port", "80", "-v"),
                valid().args(List.of("-v")).build().processArgs(entry, cmd));
        assertEquals(List.of("/bin/app", "-v"),
                valid().entrypoint(List.of("/bin/app")).args(List.of("-v")).build().processArgs(entry, cmd));
    }
}
