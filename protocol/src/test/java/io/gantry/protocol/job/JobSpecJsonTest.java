package io.gantry.protocol.job;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.serialization.GantryJson;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobSpecJsonTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = JobSpecJsonTest.class.getResourceAsStream("/jobs/" + name)) {
            return in.readAllBytes();
        }
    }

    static JobSpec fullSpec() {
        return JobSpecSamples.full();
    }

    private static Set<String> paths(JobSpecJson.Result r) {
        return r.problems().stream().map(Problem::path).collect(Collectors.toSet());
    }

    private static String messageAt(JobSpecJson.Result r, String path) {
        return r.problems().stream().filter(p -> p.path().equals(path)).map(Problem::message).findFirst()
                .orElseThrow(() -> new AssertionError("no problem at " + path + " in " + r.problems()));
    }

    @Test
    void readsEveryFieldOfADocument() throws IOException {
        JobSpecJson.Result r = JobSpecJson.parse(resource("full-job.json"));
        assertEquals(List.of(), r.problems());
        assertEquals(fullSpec(), r.orElseThrow());
    }

    @Test
    void roundTripsThroughItsDocumentForm() {
        JobSpec spec = fullSpec();
        String json = JobSpecJson.toJsonString(spec);
        assertEquals(spec, JobSpecJson.parse(json).orElseThrow());
    }

    @Test
    void roundTripsThroughJacksonWhereverItIsEmbedded() throws IOException {
        record Submitted(long version, JobSpec job) {
        }
        ObjectMapper mapper = GantryJson.mapper();
        Submitted event = new Submitted(7, fullSpec());
        String json = mapper.writeValueAsString(event);
        assertTrue(json.contains("\"restart\":\"on-failure:3\""), json);
        assertTrue(json.contains("\"initial\":\"500ms\""), json);
        assertEquals(event, mapper.readValue(json, Submitted.class));
        assertEquals(JobSpecJson.toJsonString(fullSpec()), mapper.writeValueAsString(fullSpec()));
    }

    @Test
    void jacksonReadingChecksStructureButNotContentRules() throws IOException {
        ObjectMapper mapper = GantryJson.mapper();
        // count 0 and an id with capitals break content rules: still loadable from the journal.
        JobSpec old = mapper.readValue("{\"id\": \"Legacy_Job\", \"image\": \"busybox\", \"count\": 0}", JobSpec.class);
        assertEquals("Legacy_Job", old.id());
        assertFalse(old.validate().isEmpty());
        JsonMappingException e = assertThrows(JsonMappingException.class,
                () -> mapper.readValue("{\"id\": \"x\", \"image\": \"busybox\", \"cont\": 2}", JobSpec.class));
        assertInstanceOf(InvalidJobSpecException.class, e.getCause());
        assertEquals(List.of("$.cont"), ((InvalidJobSpecException) e.getCause()).problems().stream()
                .map(Problem::path).toList());
    }

    @Test
    void absentFieldsTakeTheDocumentedDefaults() {
        JobSpec spec = JobSpecJson.parse("{\"id\": \"hello\", \"image\": \"busybox\"}").orElseThrow();
        assertEquals("hello", spec.name());
        assertEquals(1, spec.count());
        assertEquals(Resources.DEFAULT, spec.resources());
        assertEquals(RestartPolicy.onFailure(), spec.restart());
        assertEquals(Backoff.DEFAULT, spec.restartBackoff());
        assertEquals(Duration.ofSeconds(10), spec.stopTimeout());
        assertEquals(NetworkMode.HOST, spec.network());
        assertEquals(PlacementStrategy.BINPACK, spec.placement());
        assertTrue(spec.entrypoint().isEmpty() && spec.command().isEmpty() && spec.args().isEmpty());
        assertFalse(spec.distinctHosts());
        // explicit nulls mean the same as absent
        assertEquals(spec, JobSpecJson.parse("{\"id\": \"hello\", \"image\": \"busybox\", \"name\": null,"
                + " \"resources\": null, \"restart\": null, \"env\": null, \"volumes\": null}").orElseThrow());
    }

    @Test
    void resourcesFieldsDefaultOneByOne() {
        JobSpec spec = JobSpecJson.parse("{\"id\": \"a\", \"image\": \"busybox\", \"resources\": {\"memoryBytes\": 8388608}}")
                .orElseThrow();
        assertEquals(new Resources(Resources.DEFAULT_CPU_MILLIS, 8 * Resources.MIB), spec.resources());
    }

    @Test
    void volumeTypeDefaultsFromTheSourceLikeDockerDashV() {
        JobSpec spec = JobSpecJson.parse("{\"id\": \"a\", \"image\": \"busybox\", \"volumes\": ["
                + "{\"source\": \"/srv\", \"target\": \"/srv\"}, {\"source\": \"data\", \"target\": \"/data\"}]}").orElseThrow();
        assertEquals(List.of(Volume.bind("/srv", "/srv", false), Volume.named("data", "/data", false)), spec.volumes());
    }

    @Test
    void unknownFieldIsAProblemAtItsPath() {
        JobSpecJson.Result r = JobSpecJson.parse(
                "{\"id\": \"a\", \"image\": \"busybox\", \"resources\": {\"cpuMillis\": 100, \"memory\": 64}, \"replicas\": 2}");
        assertEquals(Set.of("$.resources.memory", "$.replicas"), paths(r));
        assertTrue(messageAt(r, "$.resources.memory").contains("cpuMillis, memoryBytes, pids"));
        assertTrue(messageAt(r, "$.replicas").contains("unknown field 'replicas'"));
    }

    @Test
    void wrongTypeIsAProblemAtItsPath() {
        JobSpecJson.Result r = JobSpecJson.parse("{\"id\": \"a\", \"image\": \"busybox\", \"count\": \"3\"}");
        assertEquals(List.of(new Problem("$.count", "expected an integer, got a string")), r.problems());
    }

    @Test
    void malformedJsonIsOneProblemWithItsPosition() {
        JobSpecJson.Result r = JobSpecJson.parse("{\"id\": \"a\",\n \"image\": busybox}");
        assertEquals(1, r.problems().size());
        Problem p = r.problems().get(0);
        assertEquals("$", p.path());
        assertTrue(p.message().startsWith("malformed JSON at line 2, column"), p.message());
    }

    @Test
    void duplicateKeysTrailingContentAndEmptyBodiesAreMalformed() {
        assertTrue(messageAt(JobSpecJson.parse("{\"id\": \"a\", \"id\": \"b\", \"image\": \"x\"}"), "$")
                .contains("Duplicate field 'id'"));
        assertTrue(messageAt(JobSpecJson.parse("{\"id\": \"a\", \"image\": \"x\"} {}"), "$").startsWith("malformed JSON"));
        assertTrue(messageAt(JobSpecJson.parse(""), "$").contains("empty"));
        assertEquals("expected an object, got an array", messageAt(JobSpecJson.parse("[]"), "$"));
    }

    @Test
    void collectsStructuralProblemsAcrossTheWholeDocument() {
        String json = """
                {
                  "id": 42,
                  "image": "busybox",
                  "entrypoint": "/bin/sh",
                  "command": ["echo", 1, "two"],
                  "env": {"GOOD": "yes", "N": 5},
                  "resources": {"cpuMillis": 1.5, "memoryBytes": 99999999999999999999999, "gpus": 1},
                  "count": true,
                  "restart": "sometimes",
                  "restartBackoff": {"initial": 1000, "max": "forever"},
                  "stopTimeout": "10",
                  "volumes": [{"type": "tmpfs", "source": "x", "target": "/t"}, "oops", {"target": "/v", "readOnly": "yes"}],
                  "network": "bridge",
                  "constraints": [{"label": "zone", "operator": "~", "value": "a"},
                                  {"label": "disk", "operator": "in", "value": "ssd"},
                                  {"label": "zone", "operator": "=", "values": ["a"]},
                                  {"label": "x"}],
                  "distinctHosts": "no",
                  "placement": 3,
                  "labels": ["team"],
                  "extra": {}
                }
                """;
        JobSpecJson.Result r = JobSpecJson.parse(json);
        assertFalse(r.ok());
        assertEquals(Set.of(
                "$.id", "$.entrypoint", "$.command[1]", "$.env.N",
                "$.resources.cpuMillis", "$.resources.memoryBytes", "$.resources.gpus",
                "$.count", "$.restart", "$.restartBackoff.initial", "$.restartBackoff.max", "$.stopTimeout",
                "$.volumes[0].type", "$.volumes[1]", "$.volumes[2].readOnly", "$.volumes[2].source",
                "$.network",
                "$.constraints[0].operator", "$.constraints[1].value", "$.constraints[2].values",
                "$.constraints[3].operator",
                "$.distinctHosts", "$.placement", "$.labels", "$.extra"), paths(r));
        assertEquals("expected a string, got a number", messageAt(r, "$.id"));
        assertEquals("expected an array of strings, got a string", messageAt(r, "$.entrypoint"));
        assertEquals("expected an integer, got 1.5", messageAt(r, "$.resources.cpuMillis"));
        assertTrue(messageAt(r, "$.resources.memoryBytes").contains("out of range"));
        assertEquals("expected an integer, got true", messageAt(r, "$.count"));
        assertTrue(messageAt(r, "$.restartBackoff.initial").startsWith("expected a duration string"));
        assertTrue(messageAt(r, "$.stopTimeout").contains("is not a duration"));
        assertTrue(messageAt(r, "$.volumes[0].type").contains("use bind or volume"));
        assertEquals("expected an object, got a string", messageAt(r, "$.volumes[1]"));
        assertEquals("is required: the name of the volume", messageAt(r, "$.volumes[2].source"));
        assertTrue(messageAt(r, "$.network").contains("use host or none"));
        assertTrue(messageAt(r, "$.constraints[1].value").contains("takes \"values\""));
        assertTrue(messageAt(r, "$.constraints[2].values").contains("takes one \"value\""));
        assertTrue(messageAt(r, "$.constraints[3].operator").startsWith("is required"));
    }

    @Test
    void reportsStructureAndContentProblemsTogetherButNeverTwiceForOneMistake() {
        String json = """
                {"id": "Bad_Id", "image": "Registry/UPPER:tag", "count": "many",
                 "resources": {"cpuMillis": 0, "memoryBytes": "1g"},
                 "env": {"1BAD": "x"}, "workingDir": "relative/dir"}
                """;
        JobSpecJson.Result r = JobSpecJson.parse(json);
        assertEquals(Set.of("$.id", "$.image", "$.count", "$.resources.cpuMillis", "$.resources.memoryBytes",
                "$.env['1BAD']", "$.workingDir"), paths(r));
        assertEquals(7, r.problems().size());
        assertEquals("expected an integer, got a string", messageAt(r, "$.resources.memoryBytes"));
        assertTrue(messageAt(r, "$.image").startsWith("invalid image reference 'Registry/UPPER:tag'"),
                messageAt(r, "$.image"));
    }

    @Test
    void resultThrowsWithEveryProblem() {
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
                () -> JobSpecJson.parse("{\"image\": \"busybox\", \"count\": -1}").orElseThrow());
        assertEquals(Set.of("$.id", "$.count"), e.problems().stream().map(Problem::path).collect(Collectors.toSet()));
        assertTrue(e.getMessage().contains("$.id: is required"), e.getMessage());
    }

    @Test
    void writesMapsSortedAndOptionalPartsOnlyWhenPresent() {
        JobSpec spec = JobSpec.builder("a", "busybox").env("ZED", "1").env("ALPHA", "2").build();
        String json = JobSpecJson.toJsonString(spec);
        assertTrue(json.indexOf("ALPHA") < json.indexOf("ZED"), json);
        assertFalse(json.contains("entrypoint") || json.contains("workingDir") || json.contains("pids"), json);
        Map<String, String> env = JobSpecJson.parse(json).orElseThrow().env();
        assertEquals(Map.of("ZED", "1", "ALPHA", "2"), env);
    }
}
