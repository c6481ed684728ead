package io.gantry.layercache.testing;

import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * The images Gantry's tests build for themselves, from the host's static busybox
 * ({@code busybox-static}): no registry on the internet, no Docker.
 *
 * <p>{@link #busybox} is the standard test image, three layers and four history entries:
 * <ol>
 *   <li>layer "rootfs": {@code bin/busybox} with {@code sh}, {@code ls}, {@code cat} symlinks and a
 *       hardlink {@code bin/busybox-hardlink}, {@code etc/passwd}, {@code etc/group},
 *       {@code etc/motd} and {@code var/cache/app/{a,b}.txt};</li>
 *   <li>metadata only ({@code empty_layer}): {@code ENV PATH=/bin};</li>
 *   <li>layer "changes": deletes {@code etc/motd} (whiteout), replaces {@code var/cache/app} by an
 *       opaque directory holding only {@code c.txt}, adds {@code etc/hostname.default};</li>
 *   <li>layer "app": {@code app/run.sh} (0755) and {@code app/data.bin} (64 KiB of seeded random
 *       bytes), owned by 1000:1000.</li>
 * </ol>
 * Config: {@code PATH=/bin}, {@code Cmd ["/bin/sh", "/app/run.sh"]}, {@code WorkingDir /app}.
 */
public final class TestImages {

    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final Instant CREATED = Instant.parse("2024-01-02T03:04:05Z");

    private TestImages() {
    }

    /** Skips the calling test (with the reason) when the static busybox is not installed. */
    public static void assumeBusybox() {
        Assumptions.assumeTrue(Files.isRegularFile(BUSYBOX),
                "needs a static busybox at " + BUSYBOX + " (apt-get install busybox-static)");
    }

    public static LayerContent rootfsLayer() {
        return LayerContent.builder()
                .mtime(CREATED)
                .dir("bin")
                .file("bin/busybox", BUSYBOX, 0755)
                .symlink("bin/sh", "busybox")
                .symlink("bin/ls", "busybox")
                .symlink("bin/cat", "busybox")
                .hardlink("bin/busybox-hardlink", "bin/busybox")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n")
                .file("etc/group", "root:x:0:\napp:x:1000:\n")
                .file("etc/motd", "welcome to the lower layer\n")
                .file("var/cache/app/a.txt", "a\n")
                .file("var/cache/app/b.txt", "b\n")
                .dir("tmp", 01777)
                .build();
    }

    public static LayerContent changesLayer() {
        return LayerContent.builder()
                .mtime(CREATED)
                .whiteout("etc/motd")
                .opaque("var/cache/app")
                .file("var/cache/app/c.txt", "c\n")
                .file("etc/hostname.default", "gantry\n")
                .build();
    }

    public static LayerContent appLayer() {
        byte[] data = new byte[64 * 1024];
        new Random(42).nextBytes(data);
        return LayerContent.builder()
                .mtime(CREATED)
                .owner(1000, 1000)
                .dir("app")
                .file("app/run.sh", "#!/bin/sh\necho hello from gantry\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0755)
                .file("app/data.bin", data, 0644)
                .build();
    }

    public static ContainerConfig config() {
        return ContainerConfig.builder()
                .env(List.of("PATH=/bin"))
                .cmd(List.of("/bin/sh", "/app/run.sh"))
                .workingDir("/app")
                .build();
    }

    /** Builds the standard test image (see the class comment) and names it {@code name}. */
    public static ImageBuilder.BuiltImage busybox(ImageStore images, ImageReference name, ImageBuilder.Format format)
            throws IOException {
        assumeBusybox();
        return ImageBuilder.create(images)
                .format(format)
                .platform(Platform.of("linux", "amd64"))
                .created(CREATED)
                .layer(rootfsLayer(), "COPY rootfs / # busybox")
                .emptyLayer("ENV PATH=/bin")
                .layer(changesLayer(), "RUN rm /etc/motd && rm -rf /var/cache/app/* # opaque")
                .layer(appLayer(), "COPY app /app")
                .config(config())
                .build(name);
    }

    /** An image with one layer holding {@code size} seeded random bytes (incompressible). */
    public static ImageBuilder.BuiltImage random(ImageStore images, ImageReference name, int size, long seed,
                                                 ImageBuilder.Format format) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return ImageBuilder.create(images)
                .format(format)
                .created(CREATED)
                .gzipLevel(1)
                .layer(LayerContent.builder().file("random.bin", data, 0644).build(), "COPY random.bin /")
                .build(name);
    }
}
