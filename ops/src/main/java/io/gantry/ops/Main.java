package io.gantry.ops;

import io.gantry.ops.cli.Cli;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CommandGroup;
import java.util.Arrays;

/** The {@code gantry} command: the command table and the process exit code. */
public final class Main {
  private Main() {}

  /** Every {@code gantry} command. Later groups (image, container, job) are added here. */
  public static CommandGroup commands() {
    CommandGroup gantry = new CommandGroup("gantry", "Gantry: a container scheduler and node agent on Apache Pekko.");
    gantry.add(new ServerCommand());
    gantry.add(new RunCommand());
    gantry.add(JobCommands.group());
    gantry.add(AllocCommands.group());
    gantry.add(NodeCommands.group());
    gantry.add(new EventsCommand());
    gantry.add(new HealthCommand());
    gantry.add(new SimCommand());
    gantry.add(new VersionCommand());
    gantry.add(io.gantry.ops.node.images.ImageCommands.group());
    gantry.add(io.gantry.ops.node.containers.ContainerCommands.group());
    gantry.add(io.gantry.ops.node.containers.ContainerCommands.ps());
    return gantry;
  }

  public static void main(String[] args) {
    // "gantry --version" is what people type first.
    String[] effective = args.length == 1 && args[0].equals("--version") ? new String[] {"version"} : args;
    int code = new Cli(commands()).run(Arrays.asList(effective), CliContext.ofProcess());
    System.out.flush();
    System.exit(code);
  }
}
