package io.gantry.ops.cli;

import java.util.ArrayList;
import java.util.List;

/** Renders a command's help text: usage line, description, options or subcommands. */
final class Usage {
  private Usage() {}

  static String of(String path, Command command) {
    StringBuilder sb = new StringBuilder();
    String args = command.arguments();
    sb.append("Usage: ").append(path).append(args.isEmpty() ? "" : " " + args).append("\n\n");
    sb.append(command.description()).append("\n");
    List<String[]> rows = new ArrayList<>();
    for (OptionSpec o : command.options()) {
      rows.add(new String[] {o.synopsis(), o.description()});
    }
    rows.add(new String[] {"-h, --help", "show this help"});
    sb.append("\nOptions:\n").append(table(rows));
    return sb.toString();
  }

  static String table(List<String[]> rows) {
    int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      sb.append("  ").append(r[0]).append(" ".repeat(width - r[0].length() + 3)).append(r[1]).append("\n");
    }
    return sb.toString();
  }
}
