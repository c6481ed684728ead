package io.gantry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CliException;
import io.gantry.ops.cli.CommandGroup;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.GantryClient;
import io.gantry.scheduler.api.ApiJson;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** {@code gantry job run|ls|status|stop|scale}: jobs over the REST API. */
final class JobCommands {
  /** Long enough for the scheduler's own ask timeout (10 s) to answer first. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private JobCommands() {}

  static CommandGroup group() {
    CommandGroup job = new CommandGroup("job", "submit and manage jobs");
    job.add(new Submit());
    job.add(new ListJobs());
    job.add(new Status());
    job.add(new Stop());
    job.add(new Scale());
    return job;
  }

  static GantryClient client(ParsedArgs args, CliContext ctx) throws UsageException {
    return new GantryClient(ClientTarget.resolve(args, ctx), TIMEOUT);
  }

  static List<OptionSpec> withJson(String what) {
    List<OptionSpec> options = new ArrayList<>(ClientTarget.OPTIONS);
    options.add(OptionSpec.flag("json", "print " + what + " as JSON"));
    return options;
  }

  static String segment(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String id(ParsedArgs args, String what) throws UsageException {
    if (args.positionals().isEmpty()) {
      throw new UsageException("missing " + what);
    }
    return args.positionals().get(0);
  }

  static void printJson(CliContext ctx, JsonNode json) throws IOException {
    ctx.out().println(ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
  }

  /** After a submit: created or updated, and where the job stands now (why it waits, if it does). */
  static void printAccepted(GantryClient client, JsonNode accepted, PrintStream out)
      throws CliException, InterruptedException {
    String id = accepted.path("id").asText();
    out.printf("job %s %s (version %d)%n", id, accepted.path("created").asBoolean() ? "created" : "updated",
        accepted.path("version").asLong());
    JsonNode job = client.get("/v1/jobs/" + segment(id));
    out.printf("  status: %s, %d/%d running%n", job.path("status").asText(), job.path("running").asInt(),
        job.path("count").asInt());
    JsonNode failure = job.path("placementFailure");
    if (!failure.isMissingNode()) {
      out.printf("  waiting for a node: %s%n", failure.path("reasons").asText());
    }
    out.printf("  see: gantry job status %s%n", id);
  }

  static final class Submit extends ApiCommand {
    Submit() {
      super("run", "create or update a job from a JSON file: gantry job run FILE.json (- for stdin)",
          "[options] FILE.json", 1, withJson("the server's answer"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      String file = id(args, "FILE.json (a job document; - reads stdin)");
      byte[] body;
      try {
        body = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(ctx.cwd().resolve(file));
      } catch (IOException e) {
        throw new CliException("cannot read the job file " + file + ": " + e.getMessage(), e);
      }
      GantryClient client = client(args, ctx);
      JsonNode accepted = client.post("/v1/jobs", body);
      if (args.flag("json")) {
        printJson(ctx, accepted);
      } else {
        printAccepted(client, accepted, ctx.out());
      }
      return 0;
    }
  }

  static final class ListJobs extends ApiCommand {
    ListJobs() {
      super("ls", "list jobs with their status",
          "[options]", 0, withJson("the list"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      JsonNode list = client(args, ctx).get("/v1/jobs");
      if (args.flag("json")) {
        printJson(ctx, list);
        return 0;
      }
      Tables t = new Tables("ID", "STATUS", "RUNNING", "PENDING", "VERSION", "IMAGE");
      for (JsonNode j : list.path("jobs")) {
        t.row(j.path("id").asText(), j.path("status").asText(),
            j.path("running").asInt() + "/" + j.path("count").asInt(), j.path("pending").asInt(),
            j.path("version").asLong(), j.path("image").asText());
      }
      t.print(ctx.out());
      return 0;
    }
  }

  static final class Status extends ApiCommand {
    Status() {
      super("status", "show a job: status, allocations with node and state, why it waits",
          "[options] ID", 1, withJson("the job"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      JsonNode j = client(args, ctx).get("/v1/jobs/" + segment(id(args, "job ID")));
      if (args.flag("json")) {
        printJson(ctx, j);
        return 0;
      }
      PrintStream out = ctx.out();
      out.printf("job %s: %s, %d/%d running, version %d%n", j.path("id").asText(), j.path("status").asText(),
          j.path("running").asInt(), j.path("count").asInt(), j.path("version").asLong());
      if (!j.path("name").asText().equals(j.path("id").asText())) {
        out.printf("  name:      %s%n", j.path("name").asText());
      }
      out.printf("  image:     %s%n", j.path("image").asText());
      JsonNode res = j.path("spec").path("resources");
      out.printf("  resources: %s cpu, %s memory per allocation%n", Tables.cores(res.path("cpuMillis").asLong()),
          Tables.bytes(res.path("memoryBytes").asLong()));
      out.printf("  submitted: %s, modified %s%n", Tables.time(j.path("submittedAt").asText(), ChronoUnit.SECONDS),
          Tables.time(j.path("modifiedAt").asText(), ChronoUnit.SECONDS));
      JsonNode failure = j.path("placementFailure");
      if (!failure.isMissingNode()) {
        out.printf("  pending:   %d allocation(s) found no node: %s%n", failure.path("unplaced").asInt(),
            failure.path("reasons").asText());
      }
      if (j.path("allocations").size() > 0) {
        out.println();
        Tables t = new Tables("ALLOCATION", "INDEX", "VERSION", "NODE", "STATE", "SINCE", "MESSAGE");
        for (JsonNode a : j.path("allocations")) {
          String message = a.path("message").asText();
          if (a.has("stopReason") && message.isEmpty()) {
            message = "stop: " + a.path("stopReason").asText();
          }
          if (a.has("exit")) {
            message = (message.isEmpty() ? "" : message + "; ") + "exit " + a.path("exit").path("code").asInt();
          }
          t.row(a.path("id").asText(), a.path("index").asInt(), a.path("jobVersion").asLong(),
              a.path("node").asText("-"), a.path("state").asText(),
              Tables.time(a.path("modifiedAt").asText(), ChronoUnit.SECONDS), message);
        }
        t.print(out);
      }
      return 0;
    }
  }

  static final class Stop extends ApiCommand {
    Stop() {
      super("stop", "stop a job's allocations (the job stays, stopped; run it again to restart it)",
          "[options] ID", 1, ClientTarget.OPTIONS);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      JsonNode r = client(args, ctx).delete("/v1/jobs/" + segment(id(args, "job ID")));
      ctx.out().println(r.path("message").asText());
      return 0;
    }
  }

  static final class Scale extends ApiCommand {
    Scale() {
      super("scale", "change a job's count: gantry job scale ID N",
          "[options] ID N", 2, ClientTarget.OPTIONS);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      if (args.positionals().size() != 2) {
        throw new UsageException("give the job ID and the new count N");
      }
      int count = RunArgs.integer("N", args.positionals().get(1));
      JsonNode body = ApiJson.MAPPER.createObjectNode().put("count", count);
      JsonNode r = client(args, ctx).post("/v1/jobs/" + segment(args.positionals().get(0)) + "/scale", body);
      ctx.out().printf("job %s: count %d (version %d)%n", r.path("id").asText(), r.path("count").asInt(),
          r.path("version").asLong());
      return 0;
    }
  }
}
