package io.gantry.scheduler.api;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /v1/openapi.json}: the composed OpenAPI document, serialized once. */
final class OpenApiModule implements ApiModule {
  static final JsonNode FRAGMENT = OpenApiDocument.load(OpenApiModule.class, "openapi.openapi.json");

  private final byte[] document;

  OpenApiModule(OpenApiDocument document) {
    this.document = document.bytes();
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.withToken("GET", "/v1/openapi.json"));
  }

  @Override
  public Route route(BearerTokenAuth auth) {
    return pathPrefix("v1", () -> path(segment("openapi.json"), () -> get(() -> auth.require(() ->
        complete(HttpResponse.create().withEntity(HttpEntities.create(ApiJson.JSON, document)))))));
  }

  @Override
  public JsonNode openApiFragment() {
    return FRAGMENT;
  }
}
