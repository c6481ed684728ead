package io.gantry.ops.cli;

/** The command line itself is wrong (unknown option, missing value, bad flag value): exit 2. */
public class UsageException extends Exception {
  public UsageException(String message) {
    super(message);
  }
}
