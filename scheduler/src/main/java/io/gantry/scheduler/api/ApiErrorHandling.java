package io.gantry.scheduler.api;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractUri;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.server.AuthorizationFailedRejection;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedHeaderRejection;
import org.apache.pekko.http.javadsl.server.MalformedQueryParamRejection;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.MissingQueryParamRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.ValidationRejection;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every failure of the REST API a problem+json response: routes that don't match
 * (404), a known path with the wrong method (405, with {@code Allow}), malformed bodies,
 * queries and headers (400), too-large bodies (413), and exceptions (their problem, or a 500
 * whose body says nothing about internals). Pekko's own rejection texts are kept as the
 * problem's detail for the rejections Gantry has no better words for.
 */
public final class ApiErrorHandling {
  private static final Logger log = LoggerFactory.getLogger(ApiErrorHandling.class);

  private ApiErrorHandling() {}

  /** {@code route}, sealed: nothing escapes it as text/plain or HTML. */
  public static Route seal(Route route) {
    return route.seal(rejectionHandler(), exceptionHandler());
  }

  public static RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejections -> {
          List<HttpMethod> allowed = rejections.stream().map(MethodRejection::supported).distinct().toList();
          String names = String.join(", ", allowed.stream().map(HttpMethod::value).toList());
          return extractUri(uri -> complete(
              ApiJson.problem(Problem.of(405, Problem.METHOD_NOT_ALLOWED, "Method not allowed",
                      "this path supports " + names).withInstance(uri.path()))
                  .addHeader(Allow.create(allowed.toArray(new HttpMethod[0])))));
        })
        .handle(MalformedRequestContentRejection.class, r -> tooLarge(r.getCause())
            // an unmarshaller that hits the size limit reports it as malformed content
            ? problem(tooLargeProblem(sizeLimit(r.getCause())))
            : problem(Problem.of(400, Problem.MALFORMED_REQUEST, "Malformed request body", r.message())))
        .handle(MissingQueryParamRejection.class, r -> problem(Problem.validation(
            "a required query parameter is missing",
            List.of(new Problem.FieldError("query." + r.parameterName(), "is required")))))
        .handle(MalformedQueryParamRejection.class, r -> problem(Problem.validation(
            "a query parameter is malformed",
            List.of(new Problem.FieldError("query." + r.parameterName(), r.errorMsg())))))
        .handle(MalformedHeaderRejection.class, r -> problem(Problem.validation(
            "a header is malformed",
            List.of(new Problem.FieldError("header." + r.headerName(), r.errorMsg())))))
        .handle(ValidationRejection.class, r -> problem(Problem.validation(r.message(), List.of())))
        .handle(AuthorizationFailedRejection.class, r -> problem(Problem.of(403, Problem.BLANK,
            "Forbidden", "the token does not allow this request")))
        .handleNotFound(extractUri(uri -> complete(ApiJson.problem(Problem.of(404, Problem.ROUTE_NOT_FOUND,
            "No such route", "no route serves " + uri.path()).withInstance(uri.path())))))
        .build()
        // Everything else: Pekko's status and wording, in problem+json.
        .withFallback(RejectionHandler.defaultHandler().mapRejectionResponse(ApiErrorHandling::asProblem));
  }

  public static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .match(ProblemException.class, e -> problem(e.problem()))
        .match(CompletionException.class, e -> unwrap(e))
        .match(ExecutionException.class, e -> unwrap(e))
        .match(EntityStreamSizeException.class, e -> problem(tooLargeProblem(e.limit())))
        .match(IllegalRequestException.class, e -> problem(Problem.of(e.status().intValue(),
            Problem.MALFORMED_REQUEST, e.status().reason(), e.info().formatPretty())))
        .matchAny(e -> internal(e))
        .build();
  }

  private static Route unwrap(Throwable wrapper) {
    Throwable cause = wrapper.getCause();
    if (cause == null) {
      return internal(wrapper);
    }
    if (cause instanceof ProblemException p) {
      return problem(p.problem());
    }
    if (tooLarge(cause)) {
      return problem(tooLargeProblem(sizeLimit(cause)));
    }
    return internal(cause);
  }

  private static boolean tooLarge(Throwable e) {
    return sizeLimit(e) >= 0;
  }

  // The limit of the EntityStreamSizeException in e's cause chain, or -1 when there is none.
  private static long sizeLimit(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof EntityStreamSizeException size) {
        return size.limit();
      }
    }
    return -1;
  }

  private static Problem tooLargeProblem(long limit) {
    return Problem.of(413, Problem.REQUEST_TOO_LARGE, "Request body too large",
        "the body must be at most " + limit + " bytes");
  }

  private static Route internal(Throwable e) {
    return extractUri(uri -> {
      log.error("request {} failed", uri.path(), e);
      return complete(ApiJson.problem(Problem.of(500, Problem.INTERNAL, "Internal server error",
          "the server failed to handle this request; its log has the details").withInstance(uri.path())));
    });
  }

  static Route problem(Problem problem) {
    return problemResponse(problem, r -> r);
  }

  /** Completes with {@code problem} (its instance set to the request path), adjusted by {@code decorate}. */
  static Route problemResponse(Problem problem, java.util.function.UnaryOperator<HttpResponse> decorate) {
    return extractUri(uri -> complete(decorate.apply(ApiJson.problem(problem.withInstance(uri.path())))));
  }

  /** Rewrites one of Pekko's text rejection responses as problem+json, keeping status and headers. */
  static HttpResponse asProblem(HttpResponse response) {
    if (response.entity().getContentType().mediaType().equals(ApiJson.PROBLEM_JSON_MEDIA_TYPE)) {
      return response;
    }
    String detail = response.entity() instanceof HttpEntity.Strict strict
        ? strict.getData().decodeString(StandardCharsets.UTF_8) : null;
    int status = response.status().intValue();
    Problem problem = Problem.of(status < 400 ? 400 : status, Problem.BLANK, response.status().reason(),
        detail == null || detail.isBlank() ? null : detail);
    return ApiJson.problem(problem).withHeaders(response.getHeaders());
  }
}
