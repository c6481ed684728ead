package io.gantry.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.GantryClient;
import io.gantry.scheduler.api.ApiJson;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** {@code gantry run [options] IMAGE [CMD...]}: a job in one line, as with docker run. */
final class RunCommand implements Command {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "run an image as a job: gantry run [options] IMAGE [CMD...]";
  }

  @Override
  public String description() {
    return """
        Submit a job that runs IMAGE (CMD replaces the image's default command), and print its id.
        Options end at IMAGE: what follows is the container's command line. The job keeps running
        (and is restarted, rescheduled) until `gantry job stop ID`.""";
  }

  @Override
  public String arguments() {
    return "[options] IMAGE [CMD...]";
  }

  @Override
  public int maxPositionals() {
    return Integer.MAX_VALUE;
  }

  @Override
  public boolean optionsBeforePositionals() {
    return true;
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(ClientTarget.OPTIONS);
    options.addAll(List.of(
        OptionSpec.value("name", "ID", "the job's id (default: the image's name and a random suffix)"),
        OptionSpec.value("count", "N", "how many allocations (default 1)"),
        OptionSpec.value("restart", "POLICY", "no | on-failure[:N] | always | unless-stopped (default on-failure)"),
        OptionSpec.value("env", "KEY=VALUE", "set an environment variable (repeatable)").withShort("e"),
        OptionSpec.value("volume", "SRC:DST[:ro]", "bind a host path or a named volume (repeatable)").withShort("v"),
        OptionSpec.value("memory", "SIZE", "memory per allocation, e.g. 256m, 1g"),
        OptionSpec.value("cpus", "CORES", "cpu per allocation, e.g. 0.5"),
        OptionSpec.value("constraint", "LABEL=VALUE", "only nodes with this label (or LABEL!=VALUE; repeatable)"),
        OptionSpec.flag("spread", "spread the allocations over nodes instead of packing them"),
        OptionSpec.flag("distinct-hosts", "at most one allocation per node"),
        OptionSpec.flag("json", "print the server's JSON answer")));
    return options;
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) throws Exception {
    ObjectNode job = RunArgs.job(args, args.positionals(), RunCommand::suffix);
    GantryClient client = JobCommands.client(args, ctx);
    JsonNode accepted = client.post("/v1/jobs", job);
    if (args.flag("json")) {
      ctx.out().println(ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(accepted));
      return 0;
    }
    String id = accepted.path("id").asText();
    ctx.out().println(id);
    JobCommands.printAccepted(client, accepted, ctx.err());
    return 0;
  }

  private static String suffix() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
