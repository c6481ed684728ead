package io.gantry.ops.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** What a command may touch of its process: output streams, environment, working directory. */
public record CliContext(PrintStream out, PrintStream err, Map<String, String> env, Path cwd) {
  public CliContext {
    env = Map.copyOf(env);
    cwd = cwd.toAbsolutePath().normalize();
  }

  public static CliContext ofProcess() {
    return new CliContext(System.out, System.err, System.getenv(), Path.of(""));
  }

  public String env(String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
