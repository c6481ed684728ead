package io.gantry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CommandGroup;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.client.ClientTarget;
import java.util.List;

/** {@code gantry node ls|drain}: the scheduler's node inventory. */
final class NodeCommands {
  private NodeCommands() {}

  static CommandGroup group() {
    CommandGroup node = new CommandGroup("node", "list and drain nodes");
    node.add(new ListNodes());
    node.add(new Drain());
    return node;
  }

  static final class ListNodes extends ApiCommand {
    ListNodes() {
      super("ls", "list nodes: status, allocations, cpu and memory reserved of capacity",
          "[options]", 0, JobCommands.withJson("the list"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      JsonNode list = JobCommands.client(args, ctx).get("/v1/nodes");
      if (args.flag("json")) {
        JobCommands.printJson(ctx, list);
        return 0;
      }
      Tables t = new Tables("ID", "STATUS", "ALLOCS", "CPU", "MEMORY", "RUNTIME", "ADDRESS");
      for (JsonNode n : list.path("nodes")) {
        JsonNode cap = n.path("capacity");
        JsonNode res = n.path("reserved");
        t.row(n.path("id").asText(), n.path("status").asText(), n.path("allocations").asInt(),
            Tables.cores(res.path("cpuMillis").asLong()) + "/" + Tables.cores(cap.path("cpuMillis").asLong()),
            Tables.bytes(res.path("memoryBytes").asLong()) + "/" + Tables.bytes(cap.path("memoryBytes").asLong()),
            n.path("runtime").asText(), n.path("address").asText());
      }
      t.print(ctx.out());
      if (list.path("nodes").isEmpty()) {
        ctx.err().println("no node has registered: nodes with the agent role register when they start");
      }
      return 0;
    }
  }

  static final class Drain extends ApiCommand {
    Drain() {
      super("drain", "move a node's allocations elsewhere and place nothing new there",
          "[options] ID", 1, ClientTarget.OPTIONS);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
      String id = JobCommands.id(args, "node ID");
      JsonNode r = JobCommands.client(args, ctx).post("/v1/nodes/" + JobCommands.segment(id) + "/drain",
          new byte[] {'{', '}'});
      ctx.out().println(r.path("message").asText());
      return 0;
    }
  }
}
