package io.gantry.ops;

import com.typesafe.config.ConfigException;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CliException;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import io.gantry.ops.server.GantryConfig;
import io.gantry.ops.server.GantryServer;
import io.gantry.ops.server.GantrySettings;
import io.gantry.ops.server.HostPort;
import io.gantry.ops.server.ServerFlags;
import io.gantry.ops.server.ServerStartException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import sun.misc.Signal;

/**
 * {@code gantry server}: runs a node in the foreground until Ctrl-C or SIGTERM, which run
 * Pekko's coordinated shutdown (HTTP unbinds, the node leaves the cluster) and exit 0.
 */
final class ServerCommand implements Command {
  @Override
  public String name() {
    return "server";
  }

  @Override
  public String summary() {
    return "run a Gantry node (all-in-one by default)";
  }

  @Override
  public String description() {
    return """
        Run a Gantry node in the foreground until Ctrl-C or SIGTERM.
        With no flags: an all-in-one node (scheduler and agent) with its data in ./gantry-data,
        the REST API on http://127.0.0.1:7070 and the cluster port 127.0.0.1:7071.
        Flags override the --config file, which overrides Gantry's defaults (reference.conf).""";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("roles", "ROLES", "comma-separated node roles: scheduler, agent (default both)"),
        OptionSpec.value("data-dir", "DIR", "where the node keeps its state (default ./gantry-data)"),
        OptionSpec.value("http", "HOST:PORT", "REST API address (default 127.0.0.1:7070)"),
        OptionSpec.value("cluster", "HOST:PORT", "cluster (Pekko remoting) address (default 127.0.0.1:7071)"),
        OptionSpec.value("config", "FILE", "HOCON config file (gantry { ... }, pekko { ... })"));
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) throws Exception {
    ServerFlags flags = flags(args, ctx);
    GantryConfig.Loaded loaded;
    try {
      loaded = GantryConfig.load(flags);
    } catch (ConfigException e) {
      throw new CliException("bad configuration: " + e.getMessage(), e);
    }
    GantryServer server;
    try {
      server = GantryServer.start(loaded);
    } catch (ServerStartException e) {
      throw new CliException(e.getMessage(), e);
    }
    printWhereThingsAre(server, ctx.out());
    // Handling the signals ourselves (rather than leaving it to the JVM's shutdown hook)
    // lets main return normally, so a requested stop exits 0 instead of 128+signal.
    for (String signal : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(signal), s -> server.stop());
      } catch (IllegalArgumentException taken) {
        // The JVM keeps this signal (-Xrs): its shutdown hook still runs coordinated shutdown.
      }
    }
    server.awaitTermination();
    if (server.shutdownReason().filter(r -> r == GantryServer.STOP_REQUESTED).isPresent()) {
      ctx.err().println("gantry: node stopped");
      return 0;
    }
    throw new CliException("node stopped: " + server.shutdownReason().map(Object::toString).orElse("unknown reason"));
  }

  static ServerFlags flags(ParsedArgs args, CliContext ctx) throws UsageException {
    ServerFlags flags = ServerFlags.none();
    if (args.value("roles").isPresent()) {
      List<String> roles = Arrays.stream(args.value("roles").get().split(","))
          .map(String::trim).filter(r -> !r.isEmpty()).toList();
      List<String> unknown = roles.stream().filter(r -> !GantrySettings.KNOWN_ROLES.contains(r)).toList();
      if (roles.isEmpty() || !unknown.isEmpty()) {
        throw new UsageException("--roles takes scheduler, agent or scheduler,agent; got '" + args.value("roles").get() + "'");
      }
      flags = flags.withRoles(roles);
    }
    if (args.value("data-dir").isPresent()) {
      String dir = args.value("data-dir").get();
      if (dir.isBlank()) {
        throw new UsageException("--data-dir must not be empty");
      }
      flags = flags.withDataDir(ctx.cwd().resolve(dir).toString());
    }
    if (args.value("http").isPresent()) {
      flags = flags.withHttp(hostPort("--http", args.value("http").get()));
    }
    if (args.value("cluster").isPresent()) {
      flags = flags.withCluster(hostPort("--cluster", args.value("cluster").get()));
    }
    if (args.value("config").isPresent()) {
      flags = flags.withConfigFile(ctx.cwd().resolve(args.value("config").get()));
    }
    return flags;
  }

  private static HostPort hostPort(String flag, String value) throws UsageException {
    try {
      return HostPort.parse(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException(flag + ": " + e.getMessage());
    }
  }

  private static void printWhereThingsAre(GantryServer server, PrintStream out) {
    GantrySettings s = server.settings();
    out.println(GantryVersion.current().describe() + " — node " + server.system().address()
        + ", roles " + String.join(",", s.roles()));
    out.println("  data:   " + s.dataDir());
    out.println("  logs:   " + (s.logToFile() ? s.logsDir().resolve("gantry.log") + " (and stderr)" : "stderr"));
    out.println("  token:  " + server.tokenFile().map(Object::toString).orElse("from config (gantry.http.token)"));
    out.println("  http:   " + server.httpUri() + "   (try: curl " + server.httpUri() + "/v1/health)");
    out.println("Stop with Ctrl-C or SIGTERM.");
    out.flush();
  }
}
