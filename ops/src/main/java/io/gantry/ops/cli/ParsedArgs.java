package io.gantry.ops.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command line split by a command's {@link OptionSpec}s: option values (the last one wins
 * when an option is repeated), flags and positional arguments. {@code --} ends the options.
 */
public final class ParsedArgs {
  private final Map<String, String> values;
  private final Set<String> flags;
  private final List<String> positionals;

  private ParsedArgs(Map<String, String> values, Set<String> flags, List<String> positionals) {
    this.values = values;
    this.flags = flags;
    this.positionals = positionals;
  }

  /** {@code --help}/{@code -h} is accepted by every command and reported as the flag "help". */
  public static ParsedArgs parse(List<String> args, List<OptionSpec> specs) throws UsageException {
    Map<String, OptionSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> flags = new HashSet<>();
    List<String> positionals = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--")) {
        positionals.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (arg.equals("-h") || arg.equals("--help")) {
        flags.add("help");
        continue;
      }
      if (!arg.startsWith("-") || arg.equals("-")) {
        positionals.add(arg);
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unknown option " + arg + " (options are spelled --name)");
      }
      int eq = arg.indexOf('=');
      String name = arg.substring(2, eq < 0 ? arg.length() : eq);
      OptionSpec spec = byName.get(name);
      if (spec == null) {
        throw new UsageException("unknown option --" + name);
      }
      if (!spec.takesValue()) {
        if (eq >= 0) {
          throw new UsageException("option --" + name + " takes no value");
        }
        flags.add(name);
      } else if (eq >= 0) {
        values.put(name, arg.substring(eq + 1));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        values.put(name, args.get(++i));
      } else {
        throw new UsageException("option --" + name + " needs a value (" + spec.valueName() + ")");
      }
    }
    return new ParsedArgs(values, flags, positionals);
  }

  public Optional<String> value(String name) {
    return Optional.ofNullable(values.get(name));
  }

  public boolean flag(String name) {
    return flags.contains(name);
  }

  public List<String> positionals() {
    return List.copyOf(positionals);
  }
}
