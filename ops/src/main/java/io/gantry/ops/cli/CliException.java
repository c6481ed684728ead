package io.gantry.ops.cli;

/**
 * A command ran and failed for a reason the user can act on (server unreachable, config
 * unreadable, port taken): exit 1 with just the message, no stack trace. The message says
 * what went wrong and, where there is one, what to do next.
 */
public class CliException extends Exception {
  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
