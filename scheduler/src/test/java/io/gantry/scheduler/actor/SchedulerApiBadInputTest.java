package io.gantry.scheduler.actor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to the scheduler's REST API, over real HTTP against a real singleton: each case is
 * a 4xx {@code application/problem+json} whose status matches, and a 400 names every failing
 * input by its path. Never a 5xx.
 */
class SchedulerApiBadInputTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String JOB = "{\"id\":\"web\",\"image\":\"busybox:1.36\"}";

    @TempDir
    static Path dir;
    static ActorSystem<Void> system;
    static TestApi api;

    /**
     * @param paths the errors' paths the problem must list (400s)
     */
    record Case(String name, String method, String path, String contentType, String body, String token, int status,
                List<String> paths) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case job(String name, String body, String... paths) {
        return new Case(name, "POST", "/v1/jobs", "application/json", body, TestApi.TOKEN, 400, List.of(paths));
    }

    static Case call(String name, String method, String path, String body, int status, String... paths) {
        return new Case(name, method, path, body == null ? null : "application/json", body, TestApi.TOKEN, status,
                List.of(paths));
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // malformed documents
        c.add(job("malformed JSON", "{\"id\": \"web\",", "$"));
        c.add(job("trailing content", JOB + " {}", "$"));
        c.add(job("duplicate key", "{\"id\":\"a\",\"id\":\"b\",\"image\":\"busybox\"}", "$"));
        c.add(job("empty body", "", "$"));
        c.add(job("a JSON array", "[]", "$"));
        c.add(job("a JSON string", "\"web\"", "$"));
        c.add(job("JSON null", "null", "$"));
        // structure
        c.add(job("unknown field", "{\"id\":\"web\",\"image\":\"busybox\",\"colour\":\"red\"}", "$.colour"));
        c.add(job("missing id", "{\"image\":\"busybox\"}", "$.id"));
        c.add(job("missing image", "{\"id\":\"web\"}", "$.image"));
        c.add(job("count of the wrong type", "{\"id\":\"web\",\"image\":\"busybox\",\"count\":\"three\"}", "$.count"));
        c.add(job("memory of the wrong type",
                "{\"id\":\"web\",\"image\":\"busybox\",\"resources\":{\"memoryBytes\":\"1G\"}}", "$.resources.memoryBytes"));
        c.add(job("unknown resource", "{\"id\":\"web\",\"image\":\"busybox\",\"resources\":{\"gpus\":1}}",
                "$.resources.gpus"));
        c.add(job("env value not a string", "{\"id\":\"web\",\"image\":\"busybox\",\"env\":{\"A\":1}}", "$.env.A"));
        c.add(job("duration as a number", "{\"id\":\"web\",\"image\":\"busybox\",\"stopTimeout\":10}", "$.stopTimeout"));
        // content
        c.add(job("negative count", "{\"id\":\"web\",\"image\":\"busybox\",\"count\":-1}", "$.count"));
        c.add(job("count beyond the maximum", "{\"id\":\"web\",\"image\":\"busybox\",\"count\":100000000}", "$.count"));
        c.add(job("zero memory", "{\"id\":\"web\",\"image\":\"busybox\",\"resources\":{\"memoryBytes\":0}}",
                "$.resources.memoryBytes"));
        c.add(job("negative cpu", "{\"id\":\"web\",\"image\":\"busybox\",\"resources\":{\"cpuMillis\":-5}}",
                "$.resources.cpuMillis"));
        c.add(job("bad image reference", "{\"id\":\"web\",\"image\":\"UPPER/Case::tag\"}", "$.image"));
        c.add(job("image with a space", "{\"id\":\"web\",\"image\":\"busy box\"}", "$.image"));
        c.add(job("image with a malformed digest", "{\"id\":\"web\",\"image\":\"busybox@sha256:xyz\"}", "$.image"));
        c.add(job("id not a DNS label", "{\"id\":\"Web_1\",\"image\":\"busybox\"}", "$.id"));
        c.add(job("unknown restart policy", "{\"id\":\"web\",\"image\":\"busybox\",\"restart\":\"sometimes\"}",
                "$.restart"));
        c.add(job("relative volume target",
                "{\"id\":\"web\",\"image\":\"busybox\",\"volumes\":[{\"source\":\"/data\",\"target\":\"data\"}]}",
                "$.volumes[0].target"));
        c.add(job("unknown constraint operator",
                "{\"id\":\"web\",\"image\":\"busybox\",\"constraints\":[{\"label\":\"zone\",\"operator\":\"~\",\"value\":\"a\"}]}",
                "$.constraints[0].operator"));
        c.add(job("every problem at once",
                "{\"id\":\"web\",\"image\":\"busy box\",\"count\":-1,\"colour\":\"red\",\"restart\":\"sometimes\"}",
                "$.image", "$.count", "$.colour", "$.restart"));
        // transport
        c.add(new Case("text/plain body", "POST", "/v1/jobs", "text/plain", JOB, TestApi.TOKEN, 415, List.of()));
        c.add(new Case("form body", "POST", "/v1/jobs", "application/x-www-form-urlencoded", "id=web", TestApi.TOKEN,
                415, List.of()));
        c.add(new Case("oversized body", "POST", "/v1/jobs", "application/json",
                "{\"id\":\"web\",\"image\":\"busybox\",\"args\":[\"" + "x".repeat((int) TestApi.MAX_REQUEST_BYTES) + "\"]}",
                TestApi.TOKEN, 413, List.of()));
        c.add(new Case("no token", "GET", "/v1/jobs", null, null, null, 401, List.of()));
        c.add(new Case("wrong token", "POST", "/v1/jobs", "application/json", JOB, "not-the-token", 401, List.of()));
        c.add(call("wrong method on /v1/jobs", "PUT", "/v1/jobs", JOB, 405));
        c.add(call("wrong method on a job", "POST", "/v1/jobs/existing", JOB, 405));
        c.add(call("no such route", "GET", "/v1/jobs/existing/allocations/x", null, 404));
        // unknown ids
        c.add(call("unknown job", "GET", "/v1/jobs/nope", null, 404));
        c.add(call("stop an unknown job", "DELETE", "/v1/jobs/nope", null, 404));
        c.add(call("scale an unknown job", "POST", "/v1/jobs/nope/scale", "{\"count\":2}", 404));
        c.add(call("unknown allocation", "GET", "/v1/allocations/nope", null, 404));
        c.add(call("logs of an unknown allocation", "GET", "/v1/allocations/nope/logs", null, 404));
        c.add(call("unknown node", "GET", "/v1/nodes/nope", null, 404));
        c.add(call("drain an unknown node", "POST", "/v1/nodes/nope/drain", null, 404));
        c.add(call("drain a node id that cannot be one", "POST", "/v1/nodes/-bad-/drain", null, 404));
        // scale bodies
        c.add(call("scale: malformed JSON", "POST", "/v1/jobs/existing/scale", "{\"count\":", 400, "$"));
        c.add(call("scale: count as a string", "POST", "/v1/jobs/existing/scale", "{\"count\":\"2\"}", 400, "$.count"));
        c.add(call("scale: fractional count", "POST", "/v1/jobs/existing/scale", "{\"count\":2.5}", 400, "$.count"));
        c.add(call("scale: count beyond an int", "POST", "/v1/jobs/existing/scale", "{\"count\":99999999999}", 400,
                "$.count"));
        c.add(call("scale: negative count", "POST", "/v1/jobs/existing/scale", "{\"count\":-1}", 400, "$.count"));
        c.add(call("scale: missing count", "POST", "/v1/jobs/existing/scale", "{}", 400, "$.count"));
        c.add(call("scale: unknown field", "POST", "/v1/jobs/existing/scale", "{\"count\":1,\"replicas\":1}", 400,
                "$.replicas"));
        c.add(call("scale: not an object", "POST", "/v1/jobs/existing/scale", "[3]", 400, "$"));
        c.add(call("scale: no body", "POST", "/v1/jobs/existing/scale", null, 400, "$"));
        c.add(call("scale a stopped job", "POST", "/v1/jobs/stopped/scale", "{\"count\":2}", 409));
        // query parameters
        c.add(call("logs: negative tail", "GET", "/v1/allocations/x/logs?tail=-1", null, 400, "query.tail"));
        c.add(call("logs: tail not a number", "GET", "/v1/allocations/x/logs?tail=ten", null, 400, "query.tail"));
        c.add(call("logs: follow not a boolean", "GET", "/v1/allocations/x/logs?follow=maybe", null, 400,
                "query.follow"));
        c.add(call("events: unknown kind", "GET", "/v1/events?kind=pods", null, 400, "query.kind"));
        return c.stream();
    }

    @BeforeAll
    static void start() throws Exception {
        system = TestNodes.start(TestNodes.config(TestNodes.h2(dir.resolve("journal")), "scheduler", Map.of(
                "pekko.http.server.parsing.error-handler", "io.gantry.scheduler.api.ProblemParsingErrorHandler")));
        api = TestApi.serve(system, TestNodes.startScheduler(system));
        assertEquals(201, api.post("/v1/jobs", "{\"id\":\"existing\",\"image\":\"busybox\"}").statusCode());
        assertEquals(201, api.post("/v1/jobs", "{\"id\":\"stopped\",\"image\":\"busybox\"}").statusCode());
        assertEquals(200, api.delete("/v1/jobs/stopped").statusCode());
    }

    @AfterAll
    static void stop() {
        TestNodes.terminate(system);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsAProblemNamingWhatIsWrong(Case c) throws Exception {
        HttpResponse<String> r = api.send(c.method(), c.path(), c.contentType(), c.body(), c.token());
        assertEquals(c.status(), r.statusCode(), c.name() + ": " + r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse("").split(";")[0],
                c.name());
        JsonNode problem = JSON.readTree(r.body());
        assertEquals(c.status(), problem.path("status").asInt(), r.body());
        assertTrue(problem.path("type").isTextual() && problem.path("title").isTextual(), r.body());
        List<String> paths = new ArrayList<>();
        problem.path("errors").forEach(e -> paths.add(e.path("path").asText()));
        for (String p : c.paths()) {
            assertTrue(paths.contains(p), c.name() + ": expected a problem at " + p + " in " + r.body());
        }
    }
}
