package io.gantry.ops.client;

import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import java.util.ArrayList;
import java.util.List;

/**
 * The common shape of a command that talks to a Gantry server: its own options followed by
 * {@link ClientTarget#OPTIONS}, a positional synopsis, and a minimum and maximum number of
 * positionals. Too few positionals is a usage error naming the synopsis; too many is rejected by
 * {@link Command#execute}.
 */
public abstract class ClientCommand implements Command {
  private final String name;
  private final String summary;
  private final String arguments;
  private final int minPositionals;
  private final int maxPositionals;
  private final List<OptionSpec> own;

  protected ClientCommand(String name, String summary, String arguments, int min, int max, OptionSpec... own) {
    this.name = name;
    this.summary = summary;
    this.arguments = arguments;
    this.minPositionals = min;
    this.maxPositionals = max;
    this.own = List.of(own);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String summary() {
    return summary;
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> all = new ArrayList<>(own);
    all.addAll(ClientTarget.OPTIONS);
    return all;
  }

  /** The positional synopsis as given, without "[options]", e.g. "ID..." or "" for none. */
  protected final String positionalSynopsis() {
    return arguments;
  }

  @Override
  public String arguments() {
    return "[options]" + (arguments.isEmpty() ? "" : " " + arguments);
  }

  @Override
  public int maxPositionals() {
    return maxPositionals;
  }

  @Override
  public final int run(ParsedArgs args, CliContext ctx) throws Exception {
    if (args.positionals().size() < minPositionals) {
      throw new UsageException("missing argument: " + name + " takes " + arguments);
    }
    return runChecked(args, ctx);
  }

  /** Runs with at least the minimum number of positionals. */
  protected abstract int runChecked(ParsedArgs args, CliContext ctx) throws Exception;
}
