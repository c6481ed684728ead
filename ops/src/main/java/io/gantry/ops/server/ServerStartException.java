package io.gantry.ops.server;

/** A node could not start: data directory, token, cluster address or HTTP address unusable. */
public class ServerStartException extends Exception {
  public ServerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
