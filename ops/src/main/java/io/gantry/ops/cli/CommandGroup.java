package io.gantry.ops.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command made of subcommands: the command table. {@code gantry} itself is one; later
 * groups ({@code gantry image}, {@code gantry job}) are added with {@link #add}.
 * {@code help [COMMAND]} and {@code --help} work at every level.
 */
public class CommandGroup implements Command {
  private final String name;
  private final String summary;
  private final Map<String, Command> commands = new LinkedHashMap<>();

  public CommandGroup(String name, String summary) {
    this.name = name;
    this.summary = summary;
  }

  public CommandGroup add(Command command) {
    if (commands.putIfAbsent(command.name(), command) != null) {
      throw new IllegalArgumentException("command " + command.name() + " is defined twice in " + name);
    }
    return this;
  }

  public Map<String, Command> commands() {
    return Map.copyOf(commands);
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
    return "COMMAND [options]";
  }

  @Override
  public int run(ParsedArgs args, CliContext ctx) {
    throw new UnsupportedOperationException("a command group dispatches in execute");
  }

  @Override
  public int execute(String path, List<String> args, CliContext ctx) throws Exception {
    if (args.isEmpty()) {
      throw new UsageException("missing command; one of: " + String.join(", ", commands.keySet()));
    }
    String first = args.get(0);
    List<String> rest = args.subList(1, args.size());
    if (first.equals("-h") || first.equals("--help")) {
      ctx.out().print(usage(path));
      return 0;
    }
    if (first.equals("help")) {
      if (rest.isEmpty()) {
        ctx.out().print(usage(path));
        return 0;
      }
      Command target = find(rest.get(0));
      return target.execute(path + " " + target.name(), List.of("--help"), ctx);
    }
    Command command = find(first);
    return command.execute(path + " " + command.name(), rest, ctx);
  }

  private Command find(String name) throws UsageException {
    Command command = commands.get(name);
    if (command == null) {
      throw new UsageException(
          "unknown command '" + name + "'; one of: " + String.join(", ", commands.keySet()));
    }
    return command;
  }

  public String usage(String path) {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: ").append(path).append(" COMMAND [options]\n\n").append(description()).append("\n\nCommands:\n");
    List<String[]> rows = new ArrayList<>();
    commands.values().forEach(c -> rows.add(new String[] {c.name(), c.summary()}));
    rows.add(new String[] {"help [COMMAND]", "show help for a command"});
    sb.append(Usage.table(rows));
    sb.append("\nRun '").append(path).append(" COMMAND --help' for a command's options.\n");
    return sb.toString();
  }
}
