package io.gantry.ops;

import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import java.util.List;

/**
 * The parts the job, alloc and node commands only declare: name, summary, synopsis, how many
 * positionals they take and their options. Each subclass keeps its own {@link #run} (and its own
 * checks of the positionals, whose messages differ per command).
 */
abstract class ApiCommand implements Command {
  private final String name;
  private final String summary;
  private final String arguments;
  private final int maxPositionals;
  private final List<OptionSpec> options;

  ApiCommand(String name, String summary, String arguments, int maxPositionals, List<OptionSpec> options) {
    this.name = name;
    this.summary = summary;
    this.arguments = arguments;
    this.maxPositionals = maxPositionals;
    this.options = List.copyOf(options);
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
  public String arguments() {
    return arguments;
  }

  @Override
  public int maxPositionals() {
    return maxPositionals;
  }

  @Override
  public List<OptionSpec> options() {
    return options;
  }
}
