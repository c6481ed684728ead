package io.gantry.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns {@code gantry run} flags into a job document, the way {@code docker run} reads them:
 * {@code IMAGE [CMD...]} (CMD replaces the image's Cmd), {@code -e KEY=VALUE},
 * {@code -v SRC:DST[:ro]}, {@code --memory 256m}, {@code --cpus 0.5}, {@code --constraint
 * zone=a} (or {@code zone!=a}), {@code --spread}, {@code --count}, {@code --restart}. Only the
 * shape of each flag is checked here; the server validates the document and lists every problem.
 */
final class RunArgs {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)?",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern CONSTRAINT = Pattern.compile("([^=!]+)(!=|=)(.*)");

  private RunArgs() {}

  /**
   * @param positionals IMAGE, then the command line
   * @param suffix      a few random characters for a generated job id
   */
  static ObjectNode job(ParsedArgs args, List<String> positionals, Supplier<String> suffix) throws UsageException {
    if (positionals.isEmpty()) {
      throw new UsageException("missing IMAGE (e.g. gantry run busybox:1.36 sleep 3600)");
    }
    String image = positionals.get(0);
    ObjectNode job = NODES.objectNode();
    job.put("id", args.value("name").orElseGet(() -> defaultId(image, suffix.get())));
    job.put("image", image);
    if (positionals.size() > 1) {
      ArrayNode command = job.putArray("command");
      positionals.subList(1, positionals.size()).forEach(command::add);
    }
    if (args.value("count").isPresent()) {
      job.put("count", integer("--count", args.value("count").get()));
    }
    args.value("restart").ifPresent(r -> job.put("restart", r));
    if (!args.values("env").isEmpty()) {
      ObjectNode env = job.putObject("env");
      for (String e : args.values("env")) {
        int eq = e.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("-e takes KEY=VALUE, got '" + e + "'");
        }
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    if (!args.values("volume").isEmpty()) {
      ArrayNode volumes = job.putArray("volumes");
      for (String v : args.values("volume")) {
        String[] parts = v.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
            || (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw"))) {
          throw new UsageException("-v takes SOURCE:TARGET[:ro], got '" + v + "'");
        }
        ObjectNode volume = volumes.addObject().put("source", parts[0]).put("target", parts[1]);
        if (parts.length == 3 && parts[2].equals("ro")) {
          volume.put("readOnly", true);
        }
      }
    }
    if (args.value("memory").isPresent() || args.value("cpus").isPresent()) {
      ObjectNode resources = job.putObject("resources");
      if (args.value("memory").isPresent()) {
        resources.put("memoryBytes", memory(args.value("memory").get()));
      }
      if (args.value("cpus").isPresent()) {
        resources.put("cpuMillis", cpus(args.value("cpus").get()));
      }
    }
    if (!args.values("constraint").isEmpty()) {
      ArrayNode constraints = job.putArray("constraints");
      for (String c : args.values("constraint")) {
        Matcher m = CONSTRAINT.matcher(c);
        if (!m.matches()) {
          throw new UsageException("--constraint takes LABEL=VALUE or LABEL!=VALUE, got '" + c + "'");
        }
        constraints.addObject().put("label", m.group(1).trim()).put("operator", m.group(2))
            .put("value", m.group(3).trim());
      }
    }
    if (args.flag("spread")) {
      job.put("placement", "spread");
    }
    if (args.flag("distinct-hosts")) {
      job.put("distinctHosts", true);
    }
    return job;
  }

  /** The image's repository name as a job id ("registry:5000/team/web:1.4" → "web-x7k2p"). */
  static String defaultId(String image, String suffix) {
    String name = image;
    int at = name.indexOf('@');
    if (at >= 0) {
      name = name.substring(0, at);
    }
    int slash = name.lastIndexOf('/');
    name = name.substring(slash + 1);
    int colon = name.indexOf(':');
    if (colon >= 0) {
      name = name.substring(0, colon);
    }
    name = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (name.isEmpty()) {
      name = "job";
    }
    if (name.length() > 50) {
      name = name.substring(0, 50).replaceAll("-+$", "");
    }
    return name + "-" + suffix;
  }

  /** Docker's forms: a byte count, or a number with k, m, g, t (binary units), optionally "b"/"ib". */
  static long memory(String text) throws UsageException {
    Matcher m = MEMORY.matcher(text.trim());
    if (!m.matches()) {
      throw new UsageException("--memory takes a size such as 512m, 1g or 268435456, got '" + text + "'");
    }
    BigDecimal n = new BigDecimal(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    try {
      return n.multiply(BigDecimal.valueOf(1L << shift)).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
    } catch (ArithmeticException e) {
      throw new UsageException("--memory " + text + " is too large");
    }
  }

  /** Cores as a decimal ("0.5", "2") → millicores. */
  static long cpus(String text) throws UsageException {
    try {
      BigDecimal cores = new BigDecimal(text.trim());
      if (cores.signum() <= 0) {
        throw new NumberFormatException();
      }
      return cores.multiply(BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.UP).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new UsageException("--cpus takes a number of cores such as 0.5 or 2, got '" + text + "'");
    }
  }

  static int integer(String flag, String text) throws UsageException {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " takes a whole number, got '" + text + "'");
    }
  }
}
