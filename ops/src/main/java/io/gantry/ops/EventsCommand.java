package io.gantry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.GantryClient;
import io.gantry.scheduler.api.ApiJson;
import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code gantry events}: the cluster's changes as they happen, one line each, until Ctrl-C. */
final class EventsCommand implements Command {
  @Override
  public String name() {
    return "events";
  }

  @Override
  public String summary() {
    return "follow job, allocation and node changes (GET /v1/events) until Ctrl-C";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(ClientTarget.OPTIONS);
    options.add(OptionSpec.value("kind", "KINDS", "only these kinds: job, allocation, node, scheduler (comma-separated)"));
    options.add(OptionSpec.value("job", "ID", "only this job and its allocations"));
    options.add(OptionSpec.flag("json", "print each change as JSON"));
    return options;
  }

  /**
   * One line of the event stream as the CLI prints it: a change's data line as "TIME
   * KIND.CHANGE ID MESSAGE" (or its JSON); nothing for event names, ids, keep-alives and the
   * blank separators.
   */
  static Optional<String> format(String line, boolean json) {
    if (!line.startsWith("data:")) {
      return Optional.empty();
    }
    String data = line.substring(5).trim();
    if (data.isEmpty()) {
      return Optional.empty(); // the server's keep-alive: an event without data, which SSE clients drop
    }
    if (json) {
      return Optional.of(data);
    }
    try {
      JsonNode c = ApiJson.MAPPER.readTree(data);
      return Optional.of(String.format("%s  %-26s %s  %s", Tables.time(c.path("at").asText(), ChronoUnit.MILLIS),
          c.path("kind").asText() + "." + c.path("change").asText(), c.path("id").asText(),
          c.path("message").asText()));
    } catch (IOException e) {
      return Optional.of(data);
    }
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) throws Exception {
    List<String> query = new ArrayList<>();
    args.value("kind").ifPresent(k -> query.add("kind=" + JobCommands.segment(k)));
    args.value("job").ifPresent(j -> query.add("job=" + JobCommands.segment(j)));
    String path = "/v1/events" + (query.isEmpty() ? "" : "?" + String.join("&", query));
    GantryClient client = new GantryClient(ClientTarget.resolve(args, ctx), JobCommands.TIMEOUT);
    boolean json = args.flag("json");
    client.stream(path, "text/event-stream", line -> format(line, json).ifPresent(text -> {
      ctx.out().println(text);
      ctx.out().flush();
    }));
    return 0;
  }
}
