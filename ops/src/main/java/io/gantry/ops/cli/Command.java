package io.gantry.ops.cli;

import java.util.List;

/**
 * One {@code gantry} command. A command declares its options; {@link #execute} parses them,
 * answers {@code --help} with the usage and rejects positionals beyond
 * {@link #maxPositionals()}, so {@link #run} only sees a well-formed command line.
 * {@link CommandGroup} nests commands ({@code gantry image pull ...}).
 */
public interface Command {
  String name();

  /** One line for the command table in the parent's usage. */
  String summary();

  /** Paragraphs after the usage line; defaults to the summary. */
  default String description() {
    return summary();
  }

  default List<OptionSpec> options() {
    return List.of();
  }

  /** The synopsis after the command name, e.g. "[options]" or "[options] IMAGE". */
  default String arguments() {
    return options().isEmpty() ? "" : "[options]";
  }

  default int maxPositionals() {
    return 0;
  }

  /** True for a command whose positionals include a command line of its own: options end at the first. */
  default boolean optionsBeforePositionals() {
    return false;
  }

  int run(ParsedArgs args, CliContext ctx) throws Exception;

  /** Parses {@code args} against {@link #options()} and runs; {@code path} is e.g. "gantry server". */
  default int execute(String path, List<String> args, CliContext ctx) throws Exception {
    ParsedArgs parsed = ParsedArgs.parse(args, options(), optionsBeforePositionals());
    if (parsed.flag("help")) {
      ctx.out().print(Usage.of(path, this));
      return 0;
    }
    if (parsed.positionals().size() > maxPositionals()) {
      throw new UsageException("unexpected argument '" + parsed.positionals().get(maxPositionals()) + "'");
    }
    return run(parsed, ctx);
  }
}
