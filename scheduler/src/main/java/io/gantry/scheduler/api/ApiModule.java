package io.gantry.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What one part of Gantry adds to the REST API: its routes, the endpoints those routes
 * serve, and the OpenAPI fragment that documents them ({@code paths} and
 * {@code components}, merged into one document by {@link ApiRoutes}).
 *
 * <p>A module applies {@code auth.require(...)} itself, inside its path and method matching,
 * so that an unknown path is a 404 and a wrong method a 405 whether or not the caller sent
 * a token.
 */
public interface ApiModule {
  List<Endpoint> endpoints();

  Route route(BearerTokenAuth auth);

  JsonNode openApiFragment();
}
