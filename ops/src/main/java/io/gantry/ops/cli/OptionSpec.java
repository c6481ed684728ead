package io.gantry.ops.cli;

import java.util.Objects;

/**
 * One {@code --name [VALUE]} option of a command. {@code valueName} is null for a boolean
 * flag. Options are spelled {@code --name VALUE} or {@code --name=VALUE}; a few that Docker
 * users type by reflex also have a one-letter alias ({@code -e}, {@code -v}, {@code -f}),
 * given as {@code -e VALUE}. {@code shortName} is null for the others.
 */
public record OptionSpec(String name, String valueName, String description, String shortName) {
  public OptionSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    if (name.startsWith("-")) {
      throw new IllegalArgumentException("option names are given without dashes: " + name);
    }
    if (shortName != null && shortName.length() != 1) {
      throw new IllegalArgumentException("a short option name is one letter: " + shortName);
    }
  }

  public OptionSpec(String name, String valueName, String description) {
    this(name, valueName, description, null);
  }

  public static OptionSpec value(String name, String valueName, String description) {
    return new OptionSpec(name, valueName, description);
  }

  public static OptionSpec flag(String name, String description) {
    return new OptionSpec(name, null, description);
  }

  /** This option with the one-letter alias {@code -letter}. */
  public OptionSpec withShort(String letter) {
    return new OptionSpec(name, valueName, description, letter);
  }

  public boolean takesValue() {
    return valueName != null;
  }

  String synopsis() {
    return (shortName == null ? "" : "-" + shortName + ", ") + "--" + name + (takesValue() ? " " + valueName : "");
  }
}
