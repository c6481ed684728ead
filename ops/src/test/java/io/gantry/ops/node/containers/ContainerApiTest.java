package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.api.ApiJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's container API over real HTTP on a real node (runc), the image pulled from a real docker-registry. */
class ContainerApiTest {

    @TempDir
    static Path dir;
    static ContainerFixtures f;

    @BeforeAll
    static void start() throws Exception {
        f = new ContainerFixtures(dir);
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return ApiJson.MAPPER.readTree(r.body());
    }

    static String body(String image, String... cmd) {
        StringBuilder sb = new StringBuilder("{\"image\":\"" + image + "\"");
        if (cmd.length > 0) {
            sb.append(",\"cmd\":").append(ApiJson.MAPPER.valueToTree(List.of(cmd)).toString());
        }
        return sb.append("}").toString();
    }

    @Test
    void runWithWaitPullsTheImageAndAnswersWithTheExitCode() throws Exception {
        HttpResponse<String> r = f.call("POST", "/v1/containers?wait=true",
                "{\"image\":\"" + f.image + "\",\"cmd\":[\"sh\",\"-c\",\"echo $GREETING $X in $(pwd); echo oops >&2; exit 3\"],"
                        + "\"env\":{\"X\":\"there\"},\"memory\":\"64m\",\"cpus\":0.5,\"pids\":64,\"network\":\"none\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = json(r);
        assertEquals("exited", c.path("state").asText());
        assertEquals(3, c.path("exitCode").asInt());
        assertEquals(64L << 20, c.path("config").path("memory").asLong());
        assertEquals(0.5, c.path("config").path("cpus").asDouble());
        String id = c.path("id").asText();

        HttpResponse<String> logs = f.call("GET", "/v1/containers/" + id + "/logs", null);
        assertEquals(200, logs.statusCode());
        assertEquals("application/x-ndjson; charset=UTF-8", logs.headers().firstValue("Content-Type").orElse(""));
        List<JsonNode> entries = new ArrayList<>();
        for (String line : logs.body().split("\n")) {
            entries.add(ApiJson.MAPPER.readTree(line));
        }
        assertEquals(2, entries.size(), logs.body());
        // the two streams are read apart, so their relative order is the order they arrived in
        entries.sort(java.util.Comparator.comparing(e -> e.path("stream").asText()));
        assertEquals("oops\n", entries.get(0).path("log").asText());
        assertEquals("stderr", entries.get(0).path("stream").asText());
        assertEquals("hello there in /srv/app\n", entries.get(1).path("log").asText());
        assertEquals("stdout", entries.get(1).path("stream").asText());
        assertEquals(1, f.call("GET", "/v1/containers/" + id + "/logs?tail=1", null).body().split("\n").length);

        assertEquals(200, f.call("DELETE", "/v1/containers/" + id.substring(0, 16), null).statusCode());
        assertEquals(404, f.call("GET", "/v1/containers/" + id, null).statusCode());
    }

    @Test
    void createListInspectFollowStopRemove() throws Exception {
        HttpResponse<String> created = f.call("POST", "/v1/containers", "{\"image\":\"" + f.image + "\",\"name\":\"ticker\","
                + "\"cmd\":[\"sh\",\"-c\",\"trap 'echo bye; exit 0' TERM; i=0; while true; do echo tick-$i; i=$((i+1)); usleep 100000; done\"]}");
        assertEquals(201, created.statusCode(), created.body());
        String id = json(created).path("id").asText();
        assertEquals("/v1/containers/" + id, created.headers().firstValue("Location").orElse(""));

        JsonNode list = json(f.call("GET", "/v1/containers", null));
        assertTrue(list.path("containers").findValuesAsText("name").contains("ticker"), list.toString());
        assertEquals(id, json(f.call("GET", "/v1/containers/ticker", null)).path("id").asText());

        // follow: lines arrive while it runs, the stream ends when it has stopped
        HttpRequest follow = HttpRequest.newBuilder(URI.create(f.server.httpUri() + "/v1/containers/ticker/logs?follow=true"))
                .header("Authorization", "Bearer " + f.server.token()).build();
        HttpResponse<java.io.InputStream> stream = ContainerFixtures.HTTP.send(follow, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            assertEquals("tick-" + i + "\n", ApiJson.MAPPER.readTree(reader.readLine()).path("log").asText());
        }
        HttpResponse<String> stopped = f.call("POST", "/v1/containers/ticker/stop?t=5", null);
        assertEquals(200, stopped.statusCode(), stopped.body());
        assertEquals(0, json(stopped).path("exitCode").asInt());
        String last = null;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            last = line;
        }
        assertEquals("bye\n", ApiJson.MAPPER.readTree(last).path("log").asText(), "the stream ended after the last line");

        assertFalse(json(f.call("GET", "/v1/containers", null)).path("containers").findValuesAsText("name").contains("ticker"));
        assertTrue(json(f.call("GET", "/v1/containers?all=true", null)).path("containers").findValuesAsText("name").contains("ticker"));
        assertEquals(200, f.call("DELETE", "/v1/containers/ticker", null).statusCode());
    }

    @Test
    void diffAndCommit() throws Exception {
        JsonNode c = json(f.call("POST", "/v1/containers?wait=true", body(f.image.toString(), "sh", "-c", "echo made > /srv/app/made")));
        String id = c.path("id").asText();
        JsonNode diff = json(f.call("GET", "/v1/containers/" + id + "/diff", null));
        List<String> lines = new ArrayList<>();
        diff.path("changes").forEach(ch -> lines.add(ch.path("kind").asText() + " " + ch.path("path").asText()));
        assertEquals(List.of("C /srv", "C /srv/app", "A /srv/app/made"), lines);
        HttpResponse<String> commit = f.call("POST", "/v1/containers/" + id + "/commit",
                "{\"reference\":\"localhost/committed:1\",\"comment\":\"test\"}");
        assertEquals(201, commit.statusCode(), commit.body());
        assertTrue(json(commit).path("digest").asText().startsWith("sha256:"));
        JsonNode d = json(f.call("POST", "/v1/containers?wait=true", body("localhost/committed:1", "cat", "/srv/app/made")));
        assertEquals(0, d.path("exitCode").asInt(), d.toString());
        assertTrue(f.call("GET", "/v1/containers/" + d.path("id").asText() + "/logs", null).body().contains("made\\n"));
        f.call("DELETE", "/v1/containers/" + id, null);
        f.call("DELETE", "/v1/containers/" + d.path("id").asText(), null);
    }

    @Test
    void badRequestsAreProblemsNamingEveryField() throws Exception {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{", "urn:gantry:problem:malformed-request");
        cases.put("[1]", "urn:gantry:problem:validation");
        cases.put("{}", "$.image");
        cases.put("{\"image\":\"UPPER::bad\"}", "$.image");
        cases.put("{\"image\":\"" + f.image + "\",\"colour\":\"red\"}", "$.colour");
        cases.put("{\"image\":\"" + f.image + "\",\"restart\":\"sometimes\"}", "$.restart");
        cases.put("{\"image\":\"" + f.image + "\",\"memory\":\"lots\"}", "$.memory");
        cases.put("{\"image\":\"" + f.image + "\",\"memory\":1024}", "$.memory");
        cases.put("{\"image\":\"" + f.image + "\",\"cpus\":-1}", "$.cpus");
        cases.put("{\"image\":\"" + f.image + "\",\"pids\":0}", "$.pids");
        cases.put("{\"image\":\"" + f.image + "\",\"network\":\"bridge\"}", "$.network");
        cases.put("{\"image\":\"" + f.image + "\",\"autoRemove\":true,\"restart\":\"always\"}", "$.autoRemove");
        cases.put("{\"image\":\"" + f.image + "\",\"volumes\":[\"nocolon\"]}", "$.volumes[0]");
        cases.put("{\"image\":\"" + f.image + "\",\"volumes\":[\"data:relative\"]}", "$.volumes[0]");
        cases.put("{\"image\":\"" + f.image + "\",\"env\":{\"A\":1}}", "$.env.A");
        cases.put("{\"image\":\"" + f.image + "\",\"cmd\":\"echo hi\"}", "$.cmd");
        cases.put("{\"image\":\"" + f.image + "\",\"workdir\":\"relative\"}", "$.workdir");
        cases.put("{\"image\":\"" + f.image + "\",\"name\":\"-bad\"}", "$.name");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = f.call("POST", "/v1/containers", c.getKey());
            assertEquals(400, r.statusCode(), c.getKey() + " -> " + r.body());
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
            assertTrue(r.body().contains(c.getValue()), c.getKey() + " -> " + r.body());
        }
        JsonNode several = json(f.call("POST", "/v1/containers", "{\"image\":\"" + f.image + "\",\"memory\":\"x\",\"cpus\":\"y\",\"pids\":-1}"));
        assertEquals(3, several.path("errors").size(), "every problem at once: " + several);

        for (String q : List.of("/v1/containers?all=maybe", "/v1/containers/x/logs?tail=-2", "/v1/containers/x/logs?follow=yes")) {
            HttpResponse<String> r = f.call("GET", q, null);
            assertEquals(400, r.statusCode(), q + " -> " + r.body());
            assertTrue(r.body().contains("query."), r.body());
        }
        assertEquals(400, f.call("POST", "/v1/containers/x/stop?t=soon", null).statusCode());
        assertEquals(400, f.call("DELETE", "/v1/containers/x?force=yes", null).statusCode());
        assertEquals(404, f.call("GET", "/v1/containers/nosuchcontainer", null).statusCode());
        assertEquals(404, f.call("POST", "/v1/containers/nosuchcontainer/stop", null).statusCode());
        assertEquals(401, ContainerFixtures.HTTP.send(HttpRequest.newBuilder(URI.create(f.server.httpUri() + "/v1/containers")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void conflictsAre409() throws Exception {
        String a = json(f.call("POST", "/v1/containers", "{\"image\":\"" + f.image + "\",\"name\":\"same\",\"cmd\":[\"sleep\",\"100\"]}"))
                .path("id").asText();
        HttpResponse<String> dup = f.call("POST", "/v1/containers", "{\"image\":\"" + f.image + "\",\"name\":\"same\"}");
        assertEquals(409, dup.statusCode(), dup.body());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!json(f.call("GET", "/v1/containers/same", null)).path("state").asText().equals("running") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        HttpResponse<String> running = f.call("DELETE", "/v1/containers/same", null);
        assertEquals(409, running.statusCode(), running.body());
        assertTrue(json(running).path("detail").asText().contains("force"), running.body());
        HttpResponse<String> commitBad = f.call("POST", "/v1/containers/same/commit", "{\"comment\":1}");
        assertEquals(400, commitBad.statusCode());
        assertEquals(2, json(commitBad).path("errors").size(), commitBad.body());

        // an id prefix shared by two containers is ambiguous: among 17 ids two share their first
        // hex digit (pigeonhole), so this finds a pair every time
        java.util.Map<Character, String> byFirst = new java.util.HashMap<>();
        byFirst.put(a.charAt(0), a);
        Character shared = null;
        for (int i = 0; i < 16 && shared == null; i++) {
            String candidate = json(f.call("POST", "/v1/containers", "{\"image\":\"" + f.image + "\",\"cmd\":[\"true\"]}")).path("id").asText();
            if (byFirst.putIfAbsent(candidate.charAt(0), candidate) != null) {
                shared = candidate.charAt(0);
            }
        }
        assertTrue(shared != null, "17 ids with 16 possible first characters share one");
        HttpResponse<String> ambiguous = f.call("GET", "/v1/containers/" + shared, null);
        assertEquals(409, ambiguous.statusCode(), ambiguous.body());
        assertTrue(json(ambiguous).path("detail").asText().contains("ambiguous"));
        assertEquals(200, f.call("DELETE", "/v1/containers/same?force=true", null).statusCode());
        f.removeAll();
    }
}
