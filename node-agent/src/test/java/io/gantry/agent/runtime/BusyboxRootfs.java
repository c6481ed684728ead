package io.gantry.agent.runtime;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container root filesystem made from the host's static busybox: /bin/busybox, applet
 * symlinks, and /etc/passwd and /etc/group with root, an "app" user (1000:1000, also in group
 * "extra" 2000) and nobody. Tests that use it need root, a runtime and busybox-static.
 */
public final class BusyboxRootfs {

    public static final Path BUSYBOX = Path.of("/bin/busybox");
    static final List<String> APPLETS = List.of("sh", "true", "false", "echo", "sleep", "cat", "env", "id", "pwd",
            "head", "tail", "dd", "ls", "ip", "wc", "hostname", "printf", "kill", "grep", "mkdir", "touch", "ps", "seq", "yes", "usleep");

    private BusyboxRootfs() {
    }

    /** Skips the calling test, with the reason, unless this host can run real containers. */
    public static void assumeRealContainers() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to run containers (running as " + System.getProperty("user.name") + ")");
        Assumptions.assumeTrue(OciRuntimeBinary.findOnPath("runc").isPresent(), "needs runc (Debian package runc)");
        Assumptions.assumeTrue(Files.isExecutable(BUSYBOX), "needs a static /bin/busybox (Debian package busybox-static)");
    }

    public static Path create(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String a : APPLETS) {
            Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
        }
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), String.join("\n",
                "root:x:0:0:root:/root:/bin/sh",
                "app:x:1000:1000:app:/home/app:/bin/sh",
                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false", ""));
        Files.writeString(etc.resolve("group"), String.join("\n",
                "root:x:0:",
                "app:x:1000:",
                "extra:x:2000:app,other",
                "nogroup:x:65534:", ""));
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve("root"));
        return dir;
    }
}
