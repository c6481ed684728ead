package io.gantry.scheduler.api;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST infrastructure with a module that reads bodies: size limit, malformed and
 * invalid bodies, content types, exceptions -- all problem+json, over real HTTP.
 */
class ApiRoutesTest {
  static final String TOKEN = "test-token";
  static ActorSystem<Void> system;
  static ServerBinding binding;
  static URI base;
  static final HttpClient http = HttpClient.newHttpClient();

  /** POST /v1/echo (token) validates and echoes; GET /v1/boom (public) throws. */
  static class EchoModule implements ApiModule {
    @Override
    public List<Endpoint> endpoints() {
      return List.of(Endpoint.withToken("POST", "/v1/echo"), Endpoint.publicEndpoint("GET", "/v1/boom"));
    }

    @Override
    public Route route(BearerTokenAuth auth) {
      return concat(
          path(PathMatchers.segment("v1").slash("echo"), () -> post(() -> auth.require(() ->
              entity(Jackson.unmarshaller(ApiJson.MAPPER, JsonNode.class), body -> {
                List<Problem.FieldError> errors = new ArrayList<>();
                if (!body.path("name").isTextual()) {
                  errors.add(new Problem.FieldError("$.name", "is required"));
                }
                if (body.path("count").asInt(0) < 1) {
                  errors.add(new Problem.FieldError("$.count", "must be at least 1"));
                }
                if (!errors.isEmpty()) {
                  throw new ProblemException(Problem.validation("the echo request is invalid", errors));
                }
                return complete(ApiJson.ok(200, body));
              })))),
          path(PathMatchers.segment("v1").slash("boom"), () -> get(() -> {
            throw new IllegalStateException("secret internals");
          })));
    }

    @Override
    public JsonNode openApiFragment() {
      return OpenApiDocument.load(ApiRoutesTest.class, "echo.openapi.json");
    }
  }

  @BeforeAll
  static void bind() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "api-test", ConfigFactory.parseString("""
        pekko.loglevel = WARNING
        pekko.http.server.parsing.error-handler = "io.gantry.scheduler.api.ProblemParsingErrorHandler"
        """).withFallback(ConfigFactory.load()));
    ApiRoutes api = ApiRoutes.compose(new ApiRoutes.Settings(TOKEN, 1024, "1.2.3"), List.of(new EchoModule()));
    binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(api.route()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
  }

  @AfterAll
  static void unbind() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> postEcho(String contentType, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/v1/echo"))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode problem(HttpResponse<String> r, int status) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    JsonNode p = ApiJson.MAPPER.readTree(r.body());
    assertEquals(status, p.path("status").asInt());
    return p;
  }

  @Test
  void validBodyPasses() throws Exception {
    HttpResponse<String> r = postEcho("application/json", "{\"name\":\"a\",\"count\":2}");
    assertEquals(200, r.statusCode());
    assertEquals(2, ApiJson.MAPPER.readTree(r.body()).path("count").asInt());
  }

  @Test
  void everyValidationProblemIsListed() throws Exception {
    JsonNode p = problem(postEcho("application/json", "{\"count\":0}"), 400);
    assertEquals(Problem.VALIDATION, p.path("type").asText());
    assertEquals(2, p.path("errors").size(), p.toString());
    assertEquals("$.name", p.path("errors").get(0).path("path").asText());
    assertEquals("$.count", p.path("errors").get(1).path("path").asText());
    assertEquals("/v1/echo", p.path("instance").asText());
  }

  @Test
  void malformedJsonIs400() throws Exception {
    assertEquals(Problem.MALFORMED_REQUEST, problem(postEcho("application/json", "{\"name\":"), 400).path("type").asText());
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    problem(postEcho("text/plain", "hello"), 415);
  }

  @Test
  void tooLargeBodyIs413() throws Exception {
    String big = "{\"name\":\"" + "x".repeat(4096) + "\",\"count\":1}";
    assertEquals(Problem.REQUEST_TOO_LARGE, problem(postEcho("application/json", big), 413).path("type").asText());
  }

  @Test
  void exceptionsAre500WithoutInternals() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/boom")).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode p = problem(r, 500);
    assertEquals(Problem.INTERNAL, p.path("type").asText());
    assertFalse(r.body().contains("secret internals"));
  }

  @Test
  void tokenIsCheckedBeforeTheBodyIsRead() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/echo"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(Problem.UNAUTHORIZED, problem(r, 401).path("type").asText());
  }

  @Test
  void composeRefusesDisagreement() {
    ApiModule undocumented = new EchoModule() {
      @Override
      public List<Endpoint> endpoints() {
        return List.of(Endpoint.withToken("POST", "/v1/echo"), Endpoint.publicEndpoint("GET", "/v1/boom"),
            Endpoint.withToken("DELETE", "/v1/echo"));
      }
    };
    var e = assertThrows(IllegalStateException.class,
        () -> ApiRoutes.compose(new ApiRoutes.Settings(TOKEN, 1024, "1"), List.of(undocumented)));
    assertTrue(e.getMessage().contains("DELETE /v1/echo"), e.getMessage());

    ApiModule wrongAccess = new EchoModule() {
      @Override
      public List<Endpoint> endpoints() {
        return List.of(Endpoint.withToken("POST", "/v1/echo"), Endpoint.withToken("GET", "/v1/boom"));
      }
    };
    assertThrows(IllegalStateException.class,
        () -> ApiRoutes.compose(new ApiRoutes.Settings(TOKEN, 1024, "1"), List.of(wrongAccess)));
  }

  @Test
  void composeRefusesBrokenDocuments() {
    var twice = assertThrows(IllegalStateException.class,
        () -> ApiRoutes.compose(new ApiRoutes.Settings(TOKEN, 1024, "1"), List.of(new EchoModule(), new EchoModule())));
    assertTrue(twice.getMessage().contains("documented twice"), twice.getMessage());

    JsonNode dangling = ApiJson.MAPPER.createObjectNode().set("paths", ApiJson.MAPPER.createObjectNode().set("/v1/x",
        ApiJson.MAPPER.createObjectNode().set("get", ApiJson.MAPPER.createObjectNode().set("responses",
            ApiJson.MAPPER.createObjectNode().set("200", ApiJson.MAPPER.createObjectNode().put("$ref", "#/components/responses/Nope"))))));
    var refs = assertThrows(IllegalStateException.class, () -> OpenApiDocument.compose("1", List.of(dangling)));
    assertTrue(refs.getMessage().contains("#/components/responses/Nope"), refs.getMessage());
  }

  @Test
  void tokenComparison() {
    BearerTokenAuth auth = new BearerTokenAuth("abc");
    assertTrue(auth.accepts("abc"));
    assertFalse(auth.accepts("abd"));
    assertFalse(auth.accepts("ab"));
    assertFalse(auth.accepts(null));
    assertThrows(IllegalArgumentException.class, () -> new BearerTokenAuth(" "));
  }
}
