package io.gantry.scheduler.api;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/health}: the one call that needs no token, so that load balancers, scripts
 * waiting for a node and humans can ask "is it up?" without a secret.
 */
public final class HealthModule implements ApiModule {
  private final Supplier<HealthReport> report;

  public HealthModule(Supplier<HealthReport> report) {
    this.report = report;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.publicEndpoint("GET", "/v1/health"));
  }

  @Override
  public Route route(BearerTokenAuth auth) {
    return pathPrefix("v1", () -> path(segment("health"), () -> get(() ->
        complete(ApiJson.ok(200, report.get())))));
  }

  @Override
  public JsonNode openApiFragment() {
    return OpenApiDocument.load(HealthModule.class, "health.openapi.json");
  }
}
