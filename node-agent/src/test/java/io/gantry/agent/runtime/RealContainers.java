package io.gantry.agent.runtime;

import io.gantry.agent.bundle.BundleFiles;
import io.gantry.agent.bundle.RuntimeSpecBuilder;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Bundles over one shared busybox rootfs, one bundle directory per container; for tests. */
final class RealContainers {

    static final String CGROUP_PARENT = "gantry-test";

    final Path root;
    final Path rootfs;

    RealContainers(Path root) throws IOException {
        this.root = root;
        this.rootfs = BusyboxRootfs.create(root.resolve("rootfs"));
    }

    Path bundle(String id, List<String> args) throws IOException {
        return bundle(id, b -> b.args(args));
    }

    Path bundle(String id, Consumer<RuntimeSpecBuilder> customize) throws IOException {
        Path dir = Files.createDirectories(root.resolve("bundles").resolve(id));
        RuntimeSpecBuilder b = new RuntimeSpecBuilder()
                .rootfs(rootfs, false)
                .env(List.of("PATH=/bin"))
                .hostname(id.length() > 12 ? id.substring(0, 12) : id)
                .cgroupsPath("/" + CGROUP_PARENT + "/" + id)
                .rlimit("RLIMIT_NOFILE", 1024, 1024);
        customize.accept(b);
        BundleFiles.writeConfig(dir, b.build());
        return dir;
    }

    static OciRuntimeBinary runc() {
        return OciRuntimeBinary.runc(OciRuntimeBinary.findOnPath("runc").orElseThrow());
    }

    /** The kinds of shim every shim-level test runs with. */
    static final String[] SHIM_KINDS = {"compiled", "sh"};

    /**
     * The shim of kind "compiled" (installed under {@code installDir}) or "sh". A test of the
     * compiled one skips, saying why, when this build has none that runs here.
     */
    static Shim shim(String kind, Path installDir) {
        if (kind.equals("compiled")) {
            CompiledShim.Installation i = CompiledShim.install(installDir);
            Assumptions.assumeTrue(i.binary().isPresent(),
                    "needs the compiled gantry-shim: " + i.reason() + " (install gcc and libc6-dev, then rebuild node-agent)");
        }
        return Shim.select(kind, installDir);
    }
}
