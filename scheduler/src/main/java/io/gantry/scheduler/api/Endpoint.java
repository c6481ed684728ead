package io.gantry.scheduler.api;

import java.util.Locale;
import java.util.Objects;

/**
 * One method on one path template ({@code GET /v1/jobs/{jobId}}) that a module serves, and
 * whether it needs the bearer token. Modules declare these next to their routes; the OpenAPI
 * document must list exactly the same set (checked at start and by test).
 */
public record Endpoint(String method, String path, Access access) implements Comparable<Endpoint> {
  public enum Access { PUBLIC, TOKEN }

  public Endpoint {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(access, "access");
    method = method.toUpperCase(Locale.ROOT);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("an endpoint path starts with '/': " + path);
    }
  }

  public static Endpoint publicEndpoint(String method, String path) {
    return new Endpoint(method, path, Access.PUBLIC);
  }

  public static Endpoint withToken(String method, String path) {
    return new Endpoint(method, path, Access.TOKEN);
  }

  @Override
  public int compareTo(Endpoint o) {
    int byPath = path.compareTo(o.path);
    return byPath != 0 ? byPath : method.compareTo(o.method);
  }

  @Override
  public String toString() {
    return method + " " + path + (access == Access.PUBLIC ? " (public)" : "");
  }
}
