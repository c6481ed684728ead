package io.gantry.scheduler.api;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers requests too malformed to reach a route (bad request line, oversized headers, an
 * unparsable URI) with problem+json instead of Pekko's plain text. Installed through
 * {@code pekko.http.server.parsing.error-handler = "io.gantry.scheduler.api.ProblemParsingErrorHandler"}.
 */
public final class ProblemParsingErrorHandler extends ParsingErrorHandler {
  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    log.warning("illegal request: {}", info.formatPretty());
    int code = status.intValue() < 400 ? 400 : status.intValue();
    return ApiJson.problem(Problem.of(code, Problem.MALFORMED_REQUEST, status.reason(), info.summary()));
  }
}
