package io.gantry.ops.client;

import io.gantry.ops.cli.CliException;

/** Nothing answers at the server address: says which address and how to get a server there. */
public class ServerUnreachableException extends CliException {
  public ServerUnreachableException(String address, Throwable cause) {
    super("no Gantry server at " + address + " — start one with `gantry server`"
        + " (or point --addr / GANTRY_ADDR at a running one)", cause);
  }
}
