package io.gantry.agent.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One OCI runtime CLI and how to call it. The command is a list so that a runtime can be run
 * through a wrapper: crun refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported")
 * because it sees a v2 mount beside the v1 controllers, and works when each call runs in a
 * private mount namespace with {@code /sys/fs/cgroup/unified} unmounted -- that wrapper costs one
 * {@code unshare} exec per call.
 *
 * @param name              "runc" or "crun" (a label; flags differ only by {@code keepsAfterExit})
 * @param command           argv prefix that runs the runtime
 * @param keepsAfterExit    {@code run --keep} exists: the container (and its cgroup) stays after
 *                          its process exits until an explicit delete, so the OOM counter can be
 *                          read. runc has it, crun does not.
 */
public record OciRuntimeBinary(String name, List<String> command, boolean keepsAfterExit) {

    public OciRuntimeBinary {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty runtime command for " + name);
        }
    }

    public static OciRuntimeBinary runc(Path path) {
        return new OciRuntimeBinary("runc", List.of(path.toString()), true);
    }

    public static OciRuntimeBinary crun(Path path) {
        return new OciRuntimeBinary("crun", List.of(path.toString()), false);
    }

    /** crun inside a private mount namespace without the v2 mount (the hybrid-host workaround). */
    public static OciRuntimeBinary crunWithoutUnifiedMount(Path path) {
        List<String> cmd = new ArrayList<>(List.of(
                "unshare", "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$@\"", "gantry-crun"));
        cmd.add(path.toString());
        return new OciRuntimeBinary("crun", cmd, false);
    }

    /** The first executable named {@code name} on PATH (or the usual sbin dirs, which root's PATH may lack). */
    public static Optional<Path> findOnPath(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name + " " + String.join(" ", command);
    }
}
