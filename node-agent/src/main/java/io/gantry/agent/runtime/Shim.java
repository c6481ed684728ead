package io.gantry.agent.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How {@link OciCliRuntime} starts the shim of each container. Both kinds do the same thing with
 * the same files, the same report lines on stdout ("fifos", then "exit RC OOMKILLS"; the compiled
 * one also "pid N" between them, see {@link #reportsPid}) and the same {@link #goLine go line} on
 * stdin; see {@link OciCliRuntime} for what and why.
 * <ul>
 * <li>{@link Compiled}: {@code gantry-shim run …}, one exec of a small static binary that calls
 *     setsid(2) itself ({@link CompiledShim}); it is also the network-none loopback hook;</li>
 * <li>{@link Shell}: {@code setsid /bin/sh -c SCRIPT …}, two execs and a shell; the fallback
 *     when the build had no C compiler or the binary cannot run here.</li>
 * </ul>
 */
public sealed interface Shim permits Shim.Compiled, Shim.Shell {

    /**
     * The argv of one container's shim. It holds the fifos, says "fifos", and runs the container
     * once it reads the {@link #goLine go line} on stdin; EOF instead ends it with 125, nothing run.
     *
     * @param dir     the shim directory (fifos, init.pid, exit, shim.err)
     * @param keep    {@code run --keep}, then {@code delete --force} after reading the OOM counter
     * @param runtime the runtime's argv prefix (binary plus global flags)
     */
    List<String> command(Path dir, Path bundle, String id, boolean keep, List<String> runtime);

    /**
     * What the shim reads on stdin to run the container: "go", then the container's OOM counter
     * file ("" for none), on one line.
     */
    static String goLine(String oomFile) {
        if (oomFile.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("an OOM counter file name with a newline: " + oomFile);
        }
        return oomFile.isEmpty() ? "go\n" : "go " + oomFile + "\n";
    }

    /** The compiled binary (also the loopback hook); empty for the shell shim. */
    Optional<Path> binary();

    /** Whether the shim says "pid N" once the runtime has written the pid file (the compiled one). */
    default boolean reportsPid() {
        return binary().isPresent();
    }

    /** One line for logs and the runtime's capabilities. */
    String describe();

    /** The compiled {@code gantry-shim}, installed at {@code path}; {@code version} is what it says. */
    record Compiled(Path path, String version) implements Shim {
        @Override
        public List<String> command(Path dir, Path bundle, String id, boolean keep, List<String> runtime) {
            List<String> cmd = new ArrayList<>(List.of(path.toString(), "run",
                    dir.toString(), bundle.toString(), id, keep ? "1" : "0"));
            cmd.addAll(runtime);
            return cmd;
        }

        @Override
        public Optional<Path> binary() {
            return Optional.of(path);
        }

        @Override
        public String describe() {
            return version + " (compiled, " + path + ")";
        }
    }

    /** The shell script under {@code setsid} (when the host has it), and why it is used. */
    record Shell(Optional<Path> setsid, String why) implements Shim {
        /*
         * $1 shim dir, $2 bundle, $3 id, $4 "1" to use --keep; then the runtime's argv prefix; the
         * go line (with the oom counter file) on stdin. 'trap : PIPE' (a handler, not an ignore, so
         * children start with the default disposition) keeps the shim alive when the agent's end
         * of its stdout is gone.
         */
        static final String SCRIPT = String.join("\n",
                "d=$1 b=$2 id=$3 keep=$4",
                "shift 4",
                "trap : PIPE",
                "exec 3<>\"$d/stdout.fifo\" 4<>\"$d/stderr.fifo\" || exit 125",
                "echo fifos",
                "read -r go oom || exit 125",
                "[ \"$go\" = go ] || exit 125",
                "if [ \"$keep\" = 1 ]; then",
                "  \"$@\" run --keep --bundle \"$b\" --pid-file \"$d/init.pid\" \"$id\" </dev/null >\"$d/stdout.fifo\" 2>\"$d/stderr.fifo\" 3>&- 4>&-",
                "else",
                "  \"$@\" run --bundle \"$b\" --pid-file \"$d/init.pid\" \"$id\" </dev/null >\"$d/stdout.fifo\" 2>\"$d/stderr.fifo\" 3>&- 4>&-",
                "fi",
                "rc=$?",
                "n=0",
                "if [ -n \"$oom\" ] && [ -r \"$oom\" ]; then",
                "  while read -r k v; do if [ \"$k\" = oom_kill ]; then n=$v; fi; done <\"$oom\"",
                "fi",
                "echo \"$rc $n\" >\"$d/exit\"",
                "echo \"exit $rc $n\"",
                "exec 3>&- 4>&-",
                "if [ \"$keep\" = 1 ]; then \"$@\" delete --force \"$id\" </dev/null >/dev/null 2>>\"$d/shim.err\"; fi",
                "exit $rc",
                "");

        @Override
        public List<String> command(Path dir, Path bundle, String id, boolean keep, List<String> runtime) {
            List<String> cmd = new ArrayList<>();
            setsid.ifPresent(p -> cmd.add(p.toString()));
            cmd.addAll(List.of("/bin/sh", "-c", SCRIPT, "gantry-shim",
                    dir.toString(), bundle.toString(), id, keep ? "1" : "0"));
            cmd.addAll(runtime);
            return cmd;
        }

        @Override
        public Optional<Path> binary() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return (setsid.isPresent() ? "setsid + /bin/sh" : "/bin/sh (no setsid on this host)") + " script: " + why;
        }
    }

    /** The shell shim, with the reason it is used. */
    static Shim shell(String why) {
        return new Shell(OciRuntimeBinary.findOnPath("setsid"), why);
    }

    /**
     * The shim for {@code mode} ({@code gantry.agent.shim}): {@code auto} is the compiled one when
     * this build has it and it runs here, else the shell; {@code compiled} insists (an error says
     * why it can't be had); {@code sh} is the shell. The compiled binary is installed under
     * {@code installDir} (see {@link CompiledShim}).
     */
    static Shim select(String mode, Path installDir) {
        switch (mode) {
            case "sh":
                return shell("chosen by configuration");
            case "auto":
            case "compiled":
                CompiledShim.Installation i = CompiledShim.install(installDir);
                if (i.binary().isPresent()) {
                    return new Compiled(i.binary().get(), i.version());
                }
                if (mode.equals("compiled")) {
                    throw new IllegalStateException("the compiled container shim was asked for, but " + i.reason());
                }
                return shell(i.reason());
            default:
                throw new IllegalArgumentException("shim must be auto, compiled or sh, got '" + mode + "'");
        }
    }
}
