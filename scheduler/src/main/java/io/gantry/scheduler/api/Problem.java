package io.gantry.scheduler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * An RFC 7807 problem detail: the one shape every Gantry REST error takes
 * ({@code application/problem+json}). Validation problems list every failing field in
 * {@link #errors()}, so a client fixes its request in one round trip instead of one per field.
 *
 * <p>{@code type} is a URI naming the kind of problem; clients branch on it, never on
 * {@code title} or {@code detail}, which are for humans. {@code about:blank} means "nothing
 * more specific than the status code".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FieldError> errors) {

  public static final String BLANK = "about:blank";
  public static final String ROUTE_NOT_FOUND = "urn:gantry:problem:route-not-found";
  public static final String METHOD_NOT_ALLOWED = "urn:gantry:problem:method-not-allowed";
  public static final String UNAUTHORIZED = "urn:gantry:problem:unauthorized";
  public static final String VALIDATION = "urn:gantry:problem:validation";
  public static final String MALFORMED_REQUEST = "urn:gantry:problem:malformed-request";
  public static final String REQUEST_TOO_LARGE = "urn:gantry:problem:request-too-large";
  public static final String NOT_FOUND = "urn:gantry:problem:not-found";
  public static final String CONFLICT = "urn:gantry:problem:conflict";
  public static final String UNAVAILABLE = "urn:gantry:problem:unavailable";
  public static final String INTERNAL = "urn:gantry:problem:internal";

  /** One failing part of a request: a JSON path into the body ({@code $.resources.memory}),
   *  or {@code query.NAME} / {@code header.NAME} / {@code path.NAME} for other inputs. */
  public record FieldError(String path, String message) {
    public FieldError {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(message, "message");
    }
  }

  public Problem {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(title, "title");
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("a problem's status must be 4xx or 5xx, got " + status);
    }
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  public static Problem of(int status, String type, String title, String detail) {
    return new Problem(type, title, status, detail, null, List.of());
  }

  /** 400 listing every problem of a request at once. */
  public static Problem validation(String detail, List<FieldError> errors) {
    return new Problem(VALIDATION, "Invalid request", 400, detail, null, errors);
  }

  public static Problem notFound(String detail) {
    return of(404, NOT_FOUND, "Not found", detail);
  }

  public static Problem conflict(String detail) {
    return of(409, CONFLICT, "Conflict", detail);
  }

  public static Problem unavailable(String detail) {
    return of(503, UNAVAILABLE, "Service unavailable", detail);
  }

  public Problem withInstance(String requestPath) {
    return new Problem(type, title, status, detail, requestPath, errors);
  }
}
