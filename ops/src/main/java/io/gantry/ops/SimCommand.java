package io.gantry.ops;

import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import io.gantry.sim.SimMain;
import io.gantry.sim.SimOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code gantry sim}: the deterministic cluster simulation (io.gantry.sim). The options are the
 * simulator's own table; this command only hands the command line over and maps a bad one to a
 * usage error.
 */
final class SimCommand implements Command {
  @Override
  public String name() {
    return "sim";
  }

  @Override
  public String summary() {
    return "run the scheduler in a deterministic simulated cluster with faults and check its invariants";
  }

  @Override
  public String description() {
    return SimOptions.DESCRIPTION;
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> out = new ArrayList<>();
    for (SimOptions.Option o : SimOptions.OPTIONS) {
      out.add(o.valueName() == null
          ? OptionSpec.flag(o.name(), o.description())
          : OptionSpec.value(o.name(), o.valueName(), o.description()));
    }
    return out;
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) throws UsageException {
    List<String> argv = new ArrayList<>();
    for (SimOptions.Option o : SimOptions.OPTIONS) {
      if (o.valueName() == null) {
        if (args.flag(o.name())) {
          argv.add("--" + o.name());
        }
      } else {
        args.value(o.name()).ifPresent(v -> {
          argv.add("--" + o.name());
          argv.add(v);
        });
      }
    }
    try {
      SimOptions.parse(argv);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return SimMain.run(argv, ctx.out(), ctx.err());
  }
}
