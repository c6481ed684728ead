package io.gantry.scheduler.api;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.withRequestTimeoutResponse;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The REST API of one node: the modules' routes behind one bearer check, one request-size
 * limit and one error handling, and the OpenAPI document composed from their fragments.
 *
 * <p>{@link #compose} refuses to build an API whose declared endpoints and documented
 * operations differ (path, method or whether a token is needed), so an undocumented route
 * cannot ship.
 */
public final class ApiRoutes {
  private final Route route;
  private final List<Endpoint> endpoints;
  private final OpenApiDocument openApi;

  private ApiRoutes(Route route, List<Endpoint> endpoints, OpenApiDocument openApi) {
    this.route = route;
    this.endpoints = endpoints;
    this.openApi = openApi;
  }

  /** The API's knobs. {@code version} goes into the OpenAPI document's info. */
  public record Settings(String token, long maxRequestBytes, String version) {
    public Settings {
      if (maxRequestBytes <= 0) {
        throw new IllegalArgumentException("max request size must be positive, got " + maxRequestBytes);
      }
    }
  }

  public static ApiRoutes compose(Settings settings, List<? extends ApiModule> modules) {
    List<JsonNode> fragments = new ArrayList<>();
    modules.forEach(m -> fragments.add(m.openApiFragment()));
    fragments.add(OpenApiModule.FRAGMENT);
    OpenApiDocument doc = OpenApiDocument.compose(settings.version(), fragments);

    List<ApiModule> all = new ArrayList<>(modules);
    all.add(new OpenApiModule(doc));
    List<Endpoint> endpoints = new ArrayList<>();
    all.forEach(m -> endpoints.addAll(m.endpoints()));
    checkAgreement(endpoints, doc.endpoints());

    BearerTokenAuth auth = new BearerTokenAuth(settings.token());
    Route[] routes = all.stream().map(m -> m.route(auth)).toArray(Route[]::new);
    Route inner = concat(routes[0], Arrays.copyOfRange(routes, 1, routes.length));
    Route limited = withSizeLimit(settings.maxRequestBytes(), () ->
        withRequestTimeoutResponse(request -> ApiJson.problem(Problem.unavailable(
            "the server did not answer in time; retry later")), () -> inner));
    return new ApiRoutes(ApiErrorHandling.seal(limited), List.copyOf(new TreeSet<>(endpoints)), doc);
  }

  private static void checkAgreement(List<Endpoint> declared, Set<Endpoint> documented) {
    Set<Endpoint> undocumented = new TreeSet<>(declared);
    undocumented.removeAll(documented);
    Set<Endpoint> unserved = new TreeSet<>(documented);
    unserved.removeAll(declared);
    if (!undocumented.isEmpty() || !unserved.isEmpty()) {
      throw new IllegalStateException("REST routes and OpenAPI document disagree: declared but not documented "
          + undocumented + "; documented but not declared " + unserved);
    }
  }

  /** The sealed route to bind: every response it gives is a success or a problem+json. */
  public Route route() {
    return route;
  }

  public List<Endpoint> endpoints() {
    return endpoints;
  }

  public OpenApiDocument openApi() {
    return openApi;
  }
}
