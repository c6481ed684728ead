package io.gantry.ops.cli;

import java.util.Objects;

/**
 * One {@code --name [VALUE]} option of a command. {@code valueName} is null for a boolean
 * flag. Options are long-only, as {@code --name VALUE} or {@code --name=VALUE}.
 */
public record OptionSpec(String name, String valueName, String description) {
  public OptionSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    if (name.startsWith("-")) {
      throw new IllegalArgumentException("option names are given without dashes: " + name);
    }
  }

  public static OptionSpec value(String name, String valueName, String description) {
    return new OptionSpec(name, valueName, description);
  }

  public static OptionSpec flag(String name, String description) {
    return new OptionSpec(name, null, description);
  }

  public boolean takesValue() {
    return valueName != null;
  }

  String synopsis() {
    return "--" + name + (takesValue() ? " " + valueName : "");
  }
}
