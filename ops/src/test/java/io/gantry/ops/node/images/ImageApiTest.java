package io.gantry.ops.node.images;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.agent.posix.Posix;
import io.gantry.ops.server.GantryServer;
import io.gantry.ops.server.TestServers;
import io.gantry.scheduler.api.ApiJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node image API over real HTTP on a real node, against a real docker-registry. */
class ImageApiTest {

    @TempDir
    static Path dir;
    static ImageFixtures fixtures;
    static GantryServer server;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        fixtures = new ImageFixtures(dir.resolve("registry"));
        server = TestServers.start(dir.resolve("node"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (fixtures != null) {
            fixtures.close();
        }
    }

    static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpUri() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + server.token())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return ApiJson.MAPPER.readTree(r.body());
    }

    static String enc(Object ref) {
        return URLEncoder.encode(ref.toString(), StandardCharsets.UTF_8);
    }

    static String pullBody(Object ref) {
        return "{\"reference\":\"" + ref + "\",\"plainHttp\":true}";
    }

    @Test
    void pullStreamsProgressLinesThenTheResult() throws Exception {
        HttpResponse<String> r = call("POST", "/v1/images/pull", pullBody(fixtures.busybox));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            lines.add(ApiJson.MAPPER.readTree(line));
        }
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("pulled", last.path("status").asText(), r.body());
        assertEquals(fixtures.busyboxImage.digest().toString(), last.path("result").path("digest").asText());
        for (var layer : fixtures.busyboxImage.manifest().value().layers()) {
            assertTrue(lines.stream().anyMatch(l -> l.path("layer").asText().equals(layer.digest().toString())
                    && List.of("done", "exists").contains(l.path("status").asText())), "a line for " + layer.digest());
        }

        JsonNode list = json(call("GET", "/v1/images", null));
        assertTrue(list.path("images").toString().contains(fixtures.busybox.toString()), list.toString());
        JsonNode inspect = json(call("GET", "/v1/images/" + enc(fixtures.busybox), null));
        assertEquals("/app", inspect.path("config").path("config").path("WorkingDir").asText(), inspect.toString());
        assertEquals(3, inspect.path("manifest").path("layers").size());
        JsonNode history = json(call("GET", "/v1/images/" + enc(fixtures.busybox) + "/history", null));
        assertEquals("COPY app /app", history.path("history").get(0).path("createdBy").asText());
        assertTrue(history.path("history").get(2).path("emptyLayer").asBoolean());
    }

    @Test
    void pullWithoutStreamAnswersOnceAndErrorsAreProblems() throws Exception {
        HttpResponse<String> ok = call("POST", "/v1/images/pull?stream=false", pullBody(fixtures.busybox));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(fixtures.busybox.toString(), json(ok).path("reference").asText());

        HttpResponse<String> bad = call("POST", "/v1/images/pull?stream=false", "{\"reference\":\"UPPER/Case::x\",\"plainHttp\":\"yes\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        JsonNode errors = json(bad).path("errors");
        assertEquals(2, errors.size(), "every problem at once: " + bad.body());

        HttpResponse<String> empty = call("POST", "/v1/images/pull", "");
        assertEquals(400, empty.statusCode(), empty.body());

        HttpResponse<String> unknown = call("POST", "/v1/images/pull?stream=false", pullBody(fixtures.ref("nope:1")));
        assertEquals(404, unknown.statusCode(), unknown.body());

        HttpResponse<String> unreachable = call("POST", "/v1/images/pull?stream=false", pullBody("127.0.0.1:1/x:1"));
        assertEquals(502, unreachable.statusCode(), unreachable.body());
        assertTrue(json(unreachable).path("detail").asText().contains("127.0.0.1:1"), unreachable.body());

        HttpResponse<String> evil = call("POST", "/v1/images/pull?stream=false", pullBody(fixtures.evil));
        assertEquals(422, evil.statusCode(), evil.body());
        String detail = json(evil).path("detail").asText();
        assertTrue(detail.contains(fixtures.evil.toString()) && detail.contains(fixtures.evilLayer.toString())
                && detail.contains("../../outside.txt"), detail);
        assertFalse(Files.exists(dir.resolve("outside.txt")));

        HttpResponse<String> evilStream = call("POST", "/v1/images/pull", pullBody(fixtures.evil));
        assertEquals(200, evilStream.statusCode());
        String[] lines = evilStream.body().split("\n");
        JsonNode last = ApiJson.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals("error", last.path("status").asText());
        assertEquals(422, last.path("error").path("status").asInt());

        assertEquals(404, call("GET", "/v1/images/" + enc(fixtures.ref("nope:1")), null).statusCode());
        assertEquals(400, call("GET", "/v1/images/" + enc("Not A Ref"), null).statusCode());
        assertEquals(404, call("DELETE", "/v1/images/" + enc(fixtures.ref("nope:1")), null).statusCode());
        HttpResponse<String> relative = call("POST", "/v1/images/export", "{\"reference\":\"" + fixtures.busybox
                + "\",\"directory\":\"relative/dir\"}");
        assertEquals(400, relative.statusCode(), relative.body());
        assertEquals(400, call("POST", "/v1/images/gc?budget=lots", null).statusCode());
    }

    @Test
    void exportImportPushRemoveAndGc() throws Exception {
        assertEquals(200, call("POST", "/v1/images/pull?stream=false", pullBody(fixtures.busybox)).statusCode());
        Path layout = dir.resolve("layout");
        HttpResponse<String> export = call("POST", "/v1/images/export", "{\"reference\":\"" + fixtures.busybox
                + "\",\"directory\":\"" + layout + "\"}");
        assertEquals(200, export.statusCode(), export.body());
        assertTrue(Files.isRegularFile(layout.resolve("index.json")));
        HttpResponse<String> imported = call("POST", "/v1/images/import", "{\"path\":\"" + layout + "\"}");
        assertEquals(200, imported.statusCode(), imported.body());
        assertEquals(fixtures.busybox.toString(), json(imported).path("images").get(0).asText());

        String copy = fixtures.ref("copy:2").toString();
        HttpResponse<String> push = call("POST", "/v1/images/push", "{\"source\":\"" + fixtures.busybox
                + "\",\"target\":\"" + copy + "\",\"plainHttp\":true}");
        assertEquals(200, push.statusCode(), push.body());
        assertEquals(fixtures.busyboxImage.digest().toString(), json(push).path("digest").asText());

        HttpResponse<String> v2 = call("GET", "/v2/", null);
        assertEquals(200, v2.statusCode());
        var layer = fixtures.busyboxImage.manifest().value().layers().get(0);
        HttpResponse<String> blob = call("GET", "/v2/any/repo/blobs/" + layer.digest(), null);
        assertEquals(200, blob.statusCode());
        assertEquals(layer.digest().toString(), blob.headers().firstValue("Docker-Content-Digest").orElse(""));

        assertEquals(200, call("DELETE", "/v1/images/" + enc(fixtures.busybox), null).statusCode());
        assertEquals(404, call("GET", "/v1/images/" + enc(fixtures.busybox), null).statusCode());
        HttpResponse<String> gc = call("POST", "/v1/images/gc?budget=0", null);
        assertEquals(200, gc.statusCode(), gc.body());
        assertTrue(json(gc).path("bytesFreed").asLong() > 0, gc.body());
        assertEquals(0, json(gc).path("usageAfter").asLong(), gc.body());
    }

    @Test
    void mountAndUnmount() throws Exception {
        Assumptions.assumeTrue(Posix.get().isRoot(), "mounting needs root");
        assertEquals(200, call("POST", "/v1/images/pull?stream=false", pullBody(fixtures.busybox)).statusCode());
        Path target = dir.resolve("look");
        HttpResponse<String> mount = call("POST", "/v1/images/mount", "{\"reference\":\"" + fixtures.busybox
                + "\",\"directory\":\"" + target + "\"}");
        assertEquals(200, mount.statusCode(), mount.body());
        try {
            assertTrue(Files.isRegularFile(target.resolve("app/run.sh")));
            HttpResponse<String> twice = call("POST", "/v1/images/mount", "{\"reference\":\"" + fixtures.busybox
                    + "\",\"directory\":\"" + target + "\"}");
            assertEquals(409, twice.statusCode(), twice.body());
        } finally {
            HttpResponse<String> unmount = call("POST", "/v1/images/unmount", "{\"directory\":\"" + target + "\"}");
            assertEquals(200, unmount.statusCode(), unmount.body());
        }
        assertFalse(Files.exists(target.resolve("app")));
        assertEquals(404, call("POST", "/v1/images/unmount", "{\"directory\":\"" + target + "\"}").statusCode());
    }
}
