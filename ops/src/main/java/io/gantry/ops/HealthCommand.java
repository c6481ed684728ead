package io.gantry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.GantryClient;
import io.gantry.scheduler.api.ApiJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code gantry health}: asks a server whether it is up; exit 0 when it answers ok. */
final class HealthCommand implements Command {
  @Override
  public String name() {
    return "health";
  }

  @Override
  public String summary() {
    return "show whether a Gantry server is up (GET /v1/health)";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(ClientTarget.OPTIONS);
    options.add(OptionSpec.flag("json", "print the server's JSON answer"));
    return options;
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) throws Exception {
    GantryClient client = new GantryClient(ClientTarget.resolve(args, ctx), Duration.ofSeconds(10));
    JsonNode health = client.get("/v1/health");
    if (args.flag("json")) {
      ctx.out().println(ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(health));
    } else {
      List<String> roles = new ArrayList<>();
      health.path("roles").forEach(r -> roles.add(r.asText()));
      JsonNode cluster = health.path("cluster");
      ctx.out().printf("%s at %s%n", health.path("status").asText("?"), client.target().address());
      ctx.out().printf("  node:    %s%n", health.path("node").asText("?"));
      ctx.out().printf("  roles:   %s%n", String.join(", ", roles));
      ctx.out().printf("  version: %s%n", health.path("version").asText("?"));
      ctx.out().printf("  uptime:  %s%n", health.path("uptime").asText("?"));
      if (!cluster.isMissingNode()) {
        ctx.out().printf("  cluster: %s, %d member(s), %d unreachable%n", cluster.path("self").asText("?"),
            cluster.path("members").asInt(), cluster.path("unreachable").asInt());
      }
    }
    return "ok".equals(health.path("status").asText()) ? 0 : 1;
  }
}
