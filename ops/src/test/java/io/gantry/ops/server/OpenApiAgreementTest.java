package io.gantry.ops.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.api.ApiJson;
import io.gantry.scheduler.api.Endpoint;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served OpenAPI document and the routes of a real node agree both ways: every
 * documented operation is answered by a route (not "no such route", not "method not
 * allowed"; with the documented need for a token), and every endpoint a module declares is
 * documented.
 */
class OpenApiAgreementTest {
  @TempDir
  static Path tmp;

  static GantryServer server;
  static JsonNode served;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.start(tmp.resolve("data"));
    HttpResponse<String> r = TestServers.get(server.httpUri(), "/v1/openapi.json", server.token());
    assertEquals(200, r.statusCode());
    served = ApiJson.MAPPER.readTree(r.body());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static Set<Endpoint> documented() {
    Set<Endpoint> out = new TreeSet<>();
    boolean tokenByDefault = served.path("security").size() > 0;
    served.path("paths").properties().forEach(p -> p.getValue().properties().forEach(op -> {
      if (List.of("get", "put", "post", "delete", "patch", "head", "options").contains(op.getKey())) {
        JsonNode sec = op.getValue().get("security");
        boolean token = sec == null ? tokenByDefault : sec.size() > 0;
        out.add(new Endpoint(op.getKey(), p.getKey(), token ? Endpoint.Access.TOKEN : Endpoint.Access.PUBLIC));
      }
    }));
    return out;
  }

  @Test
  void everyDocumentedOperationIsServed() throws Exception {
    Set<Endpoint> ops = documented();
    assertTrue(ops.size() >= 2, "at least health and openapi: " + ops);
    List<String> failures = new ArrayList<>();
    for (Endpoint e : ops) {
      String path = e.path().replaceAll("\\{[^}]+}", "placeholder-id");
      TestServers.Answer withToken = TestServers.probe(server.httpUri(), e.method(), path, server.token());
      JsonNode body = withToken.contentType().contains("json") && !withToken.body().isEmpty()
          ? ApiJson.MAPPER.readTree(withToken.body()) : ApiJson.MAPPER.createObjectNode();
      if (withToken.status() == 405 || "urn:gantry:problem:route-not-found".equals(body.path("type").asText())) {
        failures.add(e + " -> " + withToken.status() + " " + withToken.body());
      }
      TestServers.Answer without = TestServers.probe(server.httpUri(), e.method(), path, null);
      if (e.access() == Endpoint.Access.TOKEN && without.status() != 401) {
        failures.add(e + " is documented as needing the token but answered " + without.status() + " without one");
      }
      if (e.access() == Endpoint.Access.PUBLIC && without.status() == 401) {
        failures.add(e + " is documented as public (security: []) but asked for a token");
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void everyDeclaredEndpointIsDocumented() {
    Set<Endpoint> declared = new TreeSet<>(server.api().endpoints());
    assertEquals(declared, documented());
  }

  @Test
  void documentIsSelfContained() {
    assertEquals(List.of(), server.api().openApi().unresolvedReferences());
    assertEquals(server.api().openApi().json(), served, "the served document is the composed one");
    JsonNode bearer = served.path("components").path("securitySchemes").path("bearer");
    assertEquals("http", bearer.path("type").asText());
    assertEquals("bearer", bearer.path("scheme").asText());
    assertTrue(served.path("components").path("schemas").has("Problem"));
    assertTrue(served.path("components").path("schemas").has("Health"));
    assertEquals(0, served.path("paths").path("/v1/health").path("get").path("security").size());
    assertNotEquals("set at start", served.path("info").path("version").asText());
  }
}
