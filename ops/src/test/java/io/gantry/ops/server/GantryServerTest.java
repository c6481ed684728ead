package io.gantry.ops.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.api.ApiJson;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GantryServerTest {
  @TempDir
  static Path shared;

  @TempDir
  Path tmp;

  /** One node for the tests that only send requests; the others start their own. */
  static GantryServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.start(shared.resolve("data"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return ApiJson.MAPPER.readTree(r.body());
  }

  private static void assertProblem(HttpResponse<String> r, int status, String type) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    JsonNode p = json(r);
    assertEquals(status, p.path("status").asInt());
    assertEquals(type, p.path("type").asText());
    assertFalse(p.path("title").asText().isEmpty());
  }

  @Test
  void healthAnswersWithoutToken() throws Exception {
    HttpResponse<String> r = TestServers.get(server.httpUri(), "/v1/health", null);
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    JsonNode h = json(r);
    assertEquals("ok", h.path("status").asText());
    assertEquals("[\"scheduler\",\"agent\"]", h.path("roles").toString());
    assertTrue(h.path("node").asText().startsWith("pekko://gantry@127.0.0.1:"), h.toString());
    assertTrue(h.path("uptime").asText().startsWith("PT"), h.toString());
    assertTrue(h.path("version").asText().startsWith("0."), h.toString());
    assertEquals(1, h.path("cluster").path("members").asInt(), "an all-in-one node is a one-member cluster: " + h);
  }

  @Test
  void openApiNeedsTheToken() throws Exception {
    HttpResponse<String> none = TestServers.get(server.httpUri(), "/v1/openapi.json", null);
    assertProblem(none, 401, "urn:gantry:problem:unauthorized");
    assertEquals("Bearer realm=\"gantry\"", none.headers().firstValue("WWW-Authenticate").orElse(""));

    HttpResponse<String> wrong = TestServers.get(server.httpUri(), "/v1/openapi.json", "not-the-token");
    assertProblem(wrong, 401, "urn:gantry:problem:unauthorized");
    assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer realm=\"gantry\""));

    HttpResponse<String> ok = TestServers.get(server.httpUri(), "/v1/openapi.json", server.token());
    assertEquals(200, ok.statusCode());
    JsonNode doc = json(ok);
    assertTrue(doc.path("openapi").asText().startsWith("3.0"));
    assertTrue(doc.path("paths").has("/v1/health"));
  }

  @Test
  void otherSchemesAndNearMissTokensAreRefused() throws Exception {
    String token = server.token();
    for (String header : new String[] {"Basic " + token, "Bearer " + token.substring(1), "Bearer " + token + "x"}) {
      var request = java.net.http.HttpRequest.newBuilder(server.httpUri().resolve("/v1/openapi.json"))
          .header("Authorization", header).build();
      var r = java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
      assertProblem(r, 401, "urn:gantry:problem:unauthorized");
    }
  }

  @Test
  void unknownRouteIsA404Problem() throws Exception {
    assertProblem(TestServers.get(server.httpUri(), "/v1/nope", server.token()), 404, "urn:gantry:problem:route-not-found");
    assertProblem(TestServers.get(server.httpUri(), "/", null), 404, "urn:gantry:problem:route-not-found");
  }

  @Test
  void wrongMethodIsA405ProblemWithAllow() throws Exception {
    HttpResponse<String> r = TestServers.send(server.httpUri(), "DELETE", "/v1/health", server.token());
    assertProblem(r, 405, "urn:gantry:problem:method-not-allowed");
    assertEquals("GET", r.headers().firstValue("Allow").orElse(""));
    // the method is checked before the token: a wrong method says so even without one
    assertProblem(TestServers.send(server.httpUri(), "POST", "/v1/openapi.json", null), 405,
        "urn:gantry:problem:method-not-allowed");
  }

  @Test
  void malformedRequestsAreProblemsToo() throws Exception {
    // An unparsable request line never reaches a route: the parsing error handler answers.
    // Sent over a raw socket because java.net.http refuses to send it.
    try (Socket socket = new Socket("127.0.0.1", server.httpAddress().getPort())) {
      socket.getOutputStream().write(
          "GET /v1/health?a=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 400"), response);
      assertTrue(response.contains("Content-Type: application/problem+json"), response);
      JsonNode p = ApiJson.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
      assertEquals("urn:gantry:problem:malformed-request", p.path("type").asText());
    }
  }

  @Test
  void tokenFileIsOwnerOnlyAndReusedAcrossRestarts() throws Exception {
    Path data = tmp.resolve("data");
    Path tokenFile = data.resolve("token");
    String first;
    try (GantryServer node = TestServers.start(data)) {
      assertEquals(tokenFile, node.tokenFile().orElseThrow());
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
      first = node.token();
      assertEquals(64, first.length(), "32 random bytes, hex");
      assertEquals(first, Files.readString(tokenFile).trim());
    }
    try (GantryServer node = TestServers.start(data)) {
      assertEquals(first, node.token());
      assertEquals(200, TestServers.get(node.httpUri(), "/v1/openapi.json", first).statusCode());
    }
  }

  @Test
  void configuredTokenWinsAndNoFileIsWritten() throws Exception {
    Path data = tmp.resolve("data");
    try (GantryServer node = GantryServer.start(
        GantryConfig.load(TestServers.flags(data, "gantry.http.token = \"s3cret-token\"\n")))) {
      assertEquals("s3cret-token", node.token());
      assertTrue(node.tokenFile().isEmpty());
      assertFalse(Files.exists(data.resolve("token")));
      assertEquals(200, TestServers.get(node.httpUri(), "/v1/openapi.json", "s3cret-token").statusCode());
    }
  }

  @Test
  void stopUnbindsHttpAndATakenPortFailsTheStart() throws Exception {
    GantryServer node = TestServers.start(tmp.resolve("data"));
    var uri = node.httpUri();
    // a second node on the same HTTP port fails with the address in its message, and cleans up
    ServerFlags clash = TestServers.flags(tmp.resolve("data2"), "").withHttp(new HostPort("127.0.0.1", uri.getPort()));
    ServerStartException e = assertThrows(ServerStartException.class, () -> GantryServer.start(GantryConfig.load(clash)));
    assertTrue(e.getMessage().contains("127.0.0.1:" + uri.getPort()), e.getMessage());

    node.stop().toCompletableFuture().get();
    node.awaitTermination();
    assertTrue(node.shutdownReason().filter(r -> r == GantryServer.STOP_REQUESTED).isPresent());
    assertThrows(java.io.IOException.class, () -> TestServers.get(uri, "/v1/health", null),
        "HTTP must be unbound after stop");
  }
}
