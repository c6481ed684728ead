package io.gantry.agent.runtime;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The compiled {@code gantry-shim} (node-agent's {@code src/main/c/gantry-shim.c}) shipped inside
 * the agent's jar as a class-path resource, and its installation on the node.
 *
 * <p>The Maven build compiles it only where a C compiler exists (profile {@code native-shim}), for
 * the build host's {@code os.arch}; a build without one simply has no resource, and the agent
 * uses its shell shim. At start the agent copies the binary to
 * {@code <dir>/<sha256>/gantry-shim}: the path names the content, so an upgraded agent never runs
 * a stale binary and a running container's shim never has its file replaced under it. An
 * existing file is used only if its digest matches (a copy cut short by a crash is rewritten);
 * a new copy is written beside it and renamed into place, mode 0755. Finally the copy must run
 * ({@code gantry-shim version}): a data directory mounted {@code noexec} is reported, not
 * discovered at the first container start. Old versions are left in place (about 700 KB each).
 */
public final class CompiledShim {

    /** The outcome: a binary ready to run, or why there is none. */
    public record Installation(Optional<Path> binary, String version, String reason) {
        static Installation failed(String reason) {
            return new Installation(Optional.empty(), "", reason);
        }
    }

    private static final ConcurrentHashMap<Path, Installation> INSTALLED = new ConcurrentHashMap<>();

    private CompiledShim() {
    }

    /** The class-path resource for this JVM's platform. */
    public static String resourceName() {
        return "/io/gantry/agent/runtime/native/linux-" + System.getProperty("os.arch") + "/gantry-shim";
    }

    /** Whether this build carries a compiled shim for this platform. */
    public static boolean available() {
        return isLinux() && CompiledShim.class.getResource(resourceName()) != null;
    }

    /** Installs (once per directory and JVM) the shipped binary under {@code dir}. */
    public static Installation install(Path dir) {
        return INSTALLED.computeIfAbsent(dir.toAbsolutePath().normalize(), CompiledShim::installNow);
    }

    /** Installs without the per-JVM memo (tests). */
    static Installation installNow(Path dir) {
        if (!isLinux()) {
            return Installation.failed("no compiled gantry-shim for " + System.getProperty("os.name"));
        }
        byte[] bytes;
        try (InputStream in = CompiledShim.class.getResourceAsStream(resourceName())) {
            if (in == null) {
                return Installation.failed("this build has no compiled gantry-shim for linux-" + System.getProperty("os.arch")
                        + " (node-agent was built without a C compiler)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return Installation.failed("read the compiled gantry-shim from the class path: " + e);
        }
        String sha = Digest.sha256(bytes).hex();
        Path target = dir.resolve(sha).resolve("gantry-shim");
        try {
            if (!Files.isRegularFile(target) || !Digest.sha256(target).hex().equals(sha)) {
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), "gantry-shim.", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                try {
                    Files.write(tmp, bytes);
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            return Installation.failed("install the compiled gantry-shim as " + target + ": " + e);
        }
        return verify(target);
    }

    /** Runs {@code gantry-shim version}: the binary must start on this host from where it lies. */
    private static Installation verify(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "version")
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Installation.failed(binary + " version did not answer within 10 s");
            }
            if (p.exitValue() != 0 || !out.startsWith("gantry-shim ")) {
                return Installation.failed(binary + " version exited with " + p.exitValue() + ": " + out);
            }
            return new Installation(Optional.of(binary), out, "");
        } catch (IOException e) {
            String hint = e.getCause() instanceof AccessDeniedException || String.valueOf(e.getMessage()).contains("Permission denied")
                    ? " (is " + binary.getParent() + " on a file system mounted noexec?)" : "";
            return Installation.failed("cannot run " + binary + ": " + e.getMessage() + hint);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Installation.failed("interrupted while checking " + binary);
        }
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }
}
