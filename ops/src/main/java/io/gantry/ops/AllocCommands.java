package io.gantry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CommandGroup;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.GantryClient;
import java.util.ArrayList;
import java.util.List;

/** {@code gantry alloc status|logs}: one allocation. */
final class AllocCommands {
  private AllocCommands() {}

  static CommandGroup group() {
    CommandGroup alloc = new CommandGroup("alloc", "inspect allocations (one container of a job)");
    alloc.add(new Status());
    alloc.add(new Logs());
    return alloc;
  }

  static final class Status extends ApiCommand {
    Status() {
      super("status", "show an allocation: job, node, state, exit, replacements",
          "[options] ID", 1, JobCommands.withJson("the allocation"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      JsonNode a = JobCommands.client(args, ctx).get("/v1/allocations/"
          + JobCommands.segment(JobCommands.id(args, "allocation ID")));
      if (args.flag("json")) {
        JobCommands.printJson(ctx, a);
        return 0;
      }
      ctx.out().printf("allocation %s: %s%n", a.path("id").asText(), a.path("state").asText());
      ctx.out().printf("  %-13s %s (version %d, index %d)%n", "job:", a.path("jobId").asText(),
          a.path("jobVersion").asLong(), a.path("index").asInt());
      ctx.out().printf("  %-13s %s%n", "node:", a.path("node").asText("- (not placed)"));
      for (String field : List.of("message", "stopReason", "replaces", "replacedBy", "createdAt", "startedAt",
          "finishedAt", "rescheduleAt")) {
        if (a.hasNonNull(field) && !a.path(field).asText().isEmpty()) {
          ctx.out().printf("  %-13s %s%n", field + ":", a.path(field).asText());
        }
      }
      if (a.has("exit")) {
        ctx.out().printf("  %-13s %d%s%n", "exit:", a.path("exit").path("code").asInt(),
            a.path("exit").path("oomKilled").asBoolean() ? " (OOM killed)" : "");
      }
      return 0;
    }
  }

  static final class Logs extends ApiCommand {
    Logs() {
      super("logs", "print an allocation's output, from the node that runs it",
          "[options] ID", 1, ownOptions());
    }

    private static List<OptionSpec> ownOptions() {
      List<OptionSpec> options = new ArrayList<>(ClientTarget.OPTIONS);
      options.add(OptionSpec.flag("follow", "keep printing new output until Ctrl-C").withShort("f"));
      options.add(OptionSpec.value("tail", "N", "only the last N lines"));
      return options;
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      String id = JobCommands.id(args, "allocation ID");
      StringBuilder query = new StringBuilder("?follow=").append(args.flag("follow"));
      if (args.value("tail").isPresent()) {
        query.append("&tail=").append(RunArgs.integer("--tail", args.value("tail").get()));
      }
      GantryClient client = new GantryClient(ClientTarget.resolve(args, ctx), JobCommands.TIMEOUT);
      client.stream("/v1/allocations/" + JobCommands.segment(id) + "/logs" + query, "text/plain",
          line -> ctx.out().println(line));
      return 0;
    }
  }
}
