package io.gantry.ops;

import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.ParsedArgs;

/** {@code gantry version}: one line, "gantry VERSION" (and the commit when known). */
final class VersionCommand implements Command {
  @Override
  public String name() {
    return "version";
  }

  @Override
  public String summary() {
    return "print Gantry's version";
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) {
    ctx.out().println(GantryVersion.current().describe());
    return 0;
  }
}
