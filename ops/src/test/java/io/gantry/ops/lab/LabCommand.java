package io.gantry.ops.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs {@code ops/lab} for the lab tests: one lab directory and name per test class, node
 * JVMs on this test run's own classpath (so the tests run the code just compiled, before the
 * distribution is packaged).
 */
final class LabCommand {
  /** What a command printed (stdout and stderr together) and its exit code. */
  record Result(int exit, String output) {
    Result ok(String what) {
      assertEquals(0, exit, what + " failed (exit " + exit + "):\n" + output);
      return this;
    }
  }

  /** Why a lab test class cannot run here (not root, a tool missing): its tests skip with it. */
  static final class Skip extends Exception {
    Skip(String reason) {
      super(reason);
    }
  }

  static void require(boolean condition, String reason) throws Skip {
    if (!condition) {
      throw new Skip(reason);
    }
  }

  /** A test class's teardown: `ops/lab down` of its lab (if it was started), then its parent dir. */
  static void down(LabCommand lab, Path parent) throws IOException {
    if (lab != null) {
      lab.run(Duration.ofMinutes(2), "down");
    }
    if (parent != null) {
      Files.deleteIfExists(parent);
    }
  }

  private final Path script;
  private final Path dir;
  private final String name;
  /** Variables every {@code ops/lab} run of this lab gets (e.g. {@code GANTRY_LAB_DOWNING_STABLE_AFTER}). */
  private final Map<String, String> env;

  LabCommand(Path dir, String name) {
    this(dir, name, Map.of());
  }

  LabCommand(Path dir, String name, Map<String, String> env) {
    this.script = opsDir().resolve("lab");
    this.dir = dir;
    this.name = name;
    this.env = Map.copyOf(env);
  }

  Path dir() {
    return dir;
  }

  String name() {
    return name;
  }

  static Path opsDir() {
    Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    return Files.isRegularFile(base.resolve("lab")) ? base : base.resolve("ops");
  }

  /** The classpath of this test run minus test classes (their logback-test.xml is not a node's). */
  static String nodeClasspath() {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return Arrays.stream(cp.split(java.io.File.pathSeparator))
        .filter(p -> !p.isBlank() && !p.endsWith("test-classes") && !p.endsWith("test-classes/"))
        .collect(Collectors.joining(java.io.File.pathSeparator));
  }

  Result run(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of(script.toString(), "--dir", dir.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("GANTRY_LAB_CLASSPATH", nodeClasspath());
    pb.environment().remove("GANTRY_LAB_DIR");
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Thread pump = new Thread(() -> copy(p.getInputStream(), out), "lab-output");
      pump.start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        pump.join(5_000);
        throw new AssertionError("ops/lab " + String.join(" ", args) + " did not finish within " + timeout
            + "; its output:\n" + out.toString(StandardCharsets.UTF_8));
      }
      pump.join(5_000);
      String text = out.toString(StandardCharsets.UTF_8);
      System.out.println("$ ops/lab " + String.join(" ", args) + "\n" + text);
      return new Result(p.exitValue(), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Runs a command inside a lab host's namespace (host1.., or "net"). */
  Result exec(String host, String... command) {
    List<String> args = new ArrayList<>(List.of("exec", host, "--"));
    args.addAll(List.of(command));
    return run(Duration.ofSeconds(60), args.toArray(String[]::new));
  }

  /** Runs the {@code gantry} CLI of this build inside a lab host's namespace (address and token from the lab). */
  Result gantry(String host, String... args) {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", nodeClasspath(), "io.gantry.ops.Main"));
    command.addAll(List.of(args));
    return exec(host, command.toArray(String[]::new));
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try (in) {
      in.transferTo(out);
    } catch (IOException ignored) {
      // the process is gone; what was read is kept
    }
  }

  /** Runs a plain command on the machine (ip, ps): its output, or an AssertionError. */
  static String host(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
