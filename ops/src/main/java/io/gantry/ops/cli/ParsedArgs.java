package io.gantry.ops.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command line split by a command's {@link OptionSpec}s: option values ({@link #value} is the
 * last one when an option is repeated, {@link #values} all of them), flags and positional
 * arguments. {@code --} ends the options; so does the first positional for a command that runs
 * a command line of its own ({@code gantry run IMAGE ls -l}: {@code -l} is ls's).
 */
public final class ParsedArgs {
  private final Map<String, List<String>> values;
  private final Set<String> flags;
  private final List<String> positionals;

  private ParsedArgs(Map<String, List<String>> values, Set<String> flags, List<String> positionals) {
    this.values = values;
    this.flags = flags;
    this.positionals = positionals;
  }

  /** {@code --help}/{@code -h} is accepted by every command and reported as the flag "help". */
  public static ParsedArgs parse(List<String> args, List<OptionSpec> specs) throws UsageException {
    return parse(args, specs, false);
  }

  /** @param optionsFirst the first positional ends the options (the rest are positionals) */
  public static ParsedArgs parse(List<String> args, List<OptionSpec> specs, boolean optionsFirst)
      throws UsageException {
    Map<String, OptionSpec> byName = new LinkedHashMap<>();
    Map<String, OptionSpec> byShort = new LinkedHashMap<>();
    specs.forEach(s -> {
      byName.put(s.name(), s);
      if (s.shortName() != null) {
        byShort.put(s.shortName(), s);
      }
    });
    Map<String, List<String>> values = new LinkedHashMap<>();
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
        if (optionsFirst) {
          positionals.addAll(args.subList(i, args.size()));
          break;
        }
        positionals.add(arg);
        continue;
      }
      if (!arg.startsWith("--")) {
        OptionSpec spec = arg.length() == 2 ? byShort.get(arg.substring(1)) : null;
        if (spec == null) {
          throw new UsageException("unknown option " + arg + " (options are spelled --name)");
        }
        if (!spec.takesValue()) {
          flags.add(spec.name());
        } else if (i + 1 < args.size()) {
          values.computeIfAbsent(spec.name(), k -> new ArrayList<>()).add(args.get(++i));
        } else {
          throw new UsageException("option " + arg + " needs a value (" + spec.valueName() + ")");
        }
        continue;
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
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(arg.substring(eq + 1));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(args.get(++i));
      } else {
        throw new UsageException("option --" + name + " needs a value (" + spec.valueName() + ")");
      }
    }
    return new ParsedArgs(values, flags, positionals);
  }

  public Optional<String> value(String name) {
    List<String> all = values.get(name);
    return all == null ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Every value given for a repeatable option, in order. */
  public List<String> values(String name) {
    return List.copyOf(values.getOrDefault(name, List.of()));
  }

  public boolean flag(String name) {
    return flags.contains(name);
  }

  public List<String> positionals() {
    return List.copyOf(positionals);
  }
}
