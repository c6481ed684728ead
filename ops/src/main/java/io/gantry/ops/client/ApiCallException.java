package io.gantry.ops.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.cli.CliException;

/** The server answered with an error (a problem+json body when it is a Gantry server). */
public class ApiCallException extends CliException {
  private final int status;
  private final JsonNode problem;

  public ApiCallException(String message, int status, JsonNode problem) {
    super(message);
    this.status = status;
    this.problem = problem;
  }

  public int status() {
    return status;
  }

  /** The problem document, or a missing node when the body was not JSON. */
  public JsonNode problem() {
    return problem;
  }
}
