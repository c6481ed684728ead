package io.gantry.ops.cli;

import java.util.List;

/**
 * Runs a command line against a command table and maps outcomes to exit codes that scripts
 * can rely on: 0 success, 1 runtime error, 2 usage error. Errors are one line on stderr;
 * a usage error also says where to find the usage.
 */
public final class Cli {
  public static final int OK = 0;
  public static final int ERROR = 1;
  public static final int USAGE = 2;

  private final CommandGroup root;

  public Cli(CommandGroup root) {
    this.root = root;
  }

  public int run(List<String> args, CliContext ctx) {
    try {
      return root.execute(root.name(), args, ctx);
    } catch (UsageException e) {
      ctx.err().println(root.name() + ": " + e.getMessage() + " (see '" + helpHint(args) + "')");
      return USAGE;
    } catch (CliException e) {
      ctx.err().println(root.name() + ": " + e.getMessage());
      return ERROR;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ctx.err().println(root.name() + ": interrupted");
      return ERROR;
    } catch (Exception e) {
      ctx.err().println(root.name() + ": unexpected error: " + e);
      return ERROR;
    }
  }

  // "gantry server --help" when the first word names a command, else "gantry --help".
  private String helpHint(List<String> args) {
    if (!args.isEmpty() && root.commands().containsKey(args.get(0))) {
      return root.name() + " " + args.get(0) + " --help";
    }
    return root.name() + " --help";
  }
}
