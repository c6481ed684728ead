package io.gantry.ops.lab;

import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushResult;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The lab's demo image, built from the host's static busybox with Gantry's own image code and
 * pushed to the lab's registry: {@code ops/lab up} runs it inside the lab's network namespace.
 * Shaped like a small real image: the binary, its applet links, a few {@code /etc} files and a
 * metadata-only step (ENV), so that pulls, layer sharing and empty layers all get exercised.
 *
 * <pre>java -cp ... io.gantry.ops.lab.DemoImage --busybox /bin/busybox --work DIR HOST:PORT/demo:latest</pre>
 *
 * <p>The registry is spoken to over plain HTTP: the lab's registry has no TLS (it is reachable
 * from the lab's namespaces only).
 */
public final class DemoImage {
  /** Applets the demo's commands and a user poking around need; each a symlink to busybox. */
  static final List<String> APPLETS = List.of("sh", "ls", "cat", "echo", "sleep", "date", "env", "hostname", "ps",
      "id", "wget", "httpd", "seq", "true", "false", "mkdir", "rm", "touch", "head", "tail", "wc");

  private DemoImage() {}

  /** Builds the demo image into {@code images} under {@code name}. */
  public static ImageBuilder.BuiltImage build(ImageStore images, ImageReference name, Path busybox) throws IOException {
    if (!Files.isRegularFile(busybox)) {
      throw new IOException("no busybox binary at " + busybox + " (apt-get install busybox-static)");
    }
    LayerContent.Builder links = LayerContent.builder().dir("bin", 0755);
    for (String applet : APPLETS) {
      links.symlink("bin/" + applet, "busybox");
    }
    return ImageBuilder.create(images)
        .platform(Platform.of("linux", "amd64"))
        .created(Instant.parse("2024-01-01T00:00:00Z"))
        .layer(LayerContent.builder().dir("bin", 0755).file("bin/busybox", busybox, 0755).build(),
            "COPY busybox /bin/busybox")
        .layer(links.build(), "RUN busybox --install -s (selected applets)")
        .layer(LayerContent.builder()
                .dir("etc", 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
                .file("etc/group", "root:x:0:\nnogroup:x:65534:\n")
                .dir("root", 0700)
                .dir("tmp", 01777)
                .dir("www", 0755)
                .file("www/index.html", "<h1>Gantry demo</h1>\n")
                .build(),
            "COPY etc/ www/ /")
        .emptyLayer("ENV GANTRY_DEMO=1")
        .config(ContainerConfig.builder()
            .env(List.of("PATH=/bin", "GANTRY_DEMO=1"))
            .cmd(List.of("sh", "-c", "echo \"demo on $(hostname) at $(date)\"; while sleep 5; do date; done"))
            .workingDir("/")
            .labels(Map.of("org.opencontainers.image.title", "gantry-demo"))
            .build())
        .build(name);
  }

  public static void main(String[] args) throws Exception {
    Path busybox = Path.of("/bin/busybox");
    Path work = null;
    String reference = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--busybox" -> busybox = Path.of(value(args, ++i, "--busybox"));
        case "--work" -> work = Path.of(value(args, ++i, "--work"));
        default -> {
          if (args[i].startsWith("-") || reference != null) {
            usage("unexpected argument '" + args[i] + "'");
          }
          reference = args[i];
        }
      }
    }
    if (reference == null || work == null) {
      usage("a --work directory and an image reference are needed");
    }
    ImageReference name;
    try {
      name = ImageReference.parse(reference);
    } catch (IllegalArgumentException e) {
      usage("bad image reference '" + reference + "': " + e.getMessage());
      return;
    }
    ImageStore images = ImageStore.open(ContentStore.open(work));
    ImageBuilder.BuiltImage image = build(images, name, busybox);
    try (RegistryClient registry = new RegistryClient(images, RegistryOptions.defaults().withPlainHttp(true))) {
      PushResult pushed = registry.push(name, name, (blob, done, total) -> { });
      System.out.println("pushed " + name + " " + image.digest() + " (" + pushed.blobs().size() + " blobs, "
          + image.manifest().value().layers().size() + " layers)");
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      usage(flag + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println("DemoImage: " + problem);
    System.err.println("usage: DemoImage [--busybox FILE] --work DIR REGISTRY/REPOSITORY:TAG");
    System.exit(2);
  }
}
