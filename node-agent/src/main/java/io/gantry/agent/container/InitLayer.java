package io.gantry.agent.container;

import io.gantry.agent.unpack.TarEntry;
import io.gantry.agent.unpack.TarWriter;
import io.gantry.protocol.oci.Digest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The layer Gantry slips between an image and a container's writable layer, as Docker's init
 * layer does: empty mount points for what the runtime mounts over the root file system
 * ({@code /proc}, {@code /sys}, {@code /dev}, and the generated {@code /etc/hostname},
 * {@code /etc/hosts}, {@code /etc/resolv.conf}).
 *
 * <p>Why: runc creates a missing mount point in the root file system before it mounts, so
 * without this layer those empty files would land in the container's writable layer, show up
 * in its diff and be carried into every image committed from it. With it, they already exist
 * below the writable layer, which stays clean, and a diff against the layer's snapshot hides
 * them.
 *
 * <p>The layer is the same bytes for every image (a fixed tar, times at the epoch), so it is
 * unpacked once per node under its diff id and only its snapshot is per image.
 */
public final class InitLayer {

    private static final byte[] TAR = build();

    /** sha256 of {@link #tar()}: the name its unpacked directory gets. */
    public static final Digest DIFF_ID = Digest.sha256(TAR);

    /** Paths the layer holds, as they appear in the container. */
    public static final List<String> PATHS = List.of(
            "/dev", "/etc", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/sys");

    private InitLayer() {
    }

    /** The layer as an uncompressed tar. */
    public static byte[] tar() {
        return TAR.clone();
    }

    private static byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(out);
        try {
            for (String dir : List.of("dev", "etc", "proc", "sys")) {
                tar.write(entry(TarEntry.Type.DIRECTORY, dir, 0755), null);
            }
            for (String file : List.of("etc/hostname", "etc/hosts", "etc/resolv.conf")) {
                tar.write(entry(TarEntry.Type.REGULAR, file, 0644), null);
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("build the init layer", e);
        }
        return out.toByteArray();
    }

    private static TarEntry entry(TarEntry.Type type, String name, int mode) {
        return new TarEntry(type, name, "", mode, 0, 0, 0, 0, 0, 0, 0, Map.of());
    }
}
