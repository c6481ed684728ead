package io.gantry.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version this build of Gantry carries: {@code project.version} from
 * {@code version.properties}, which Maven fills in at build time, and the git commit that
 * {@code ops/bin/gantry} passes as {@code -Dio.gantry.commit} (or a build with
 * {@code mvn -Dgantry.commit=...} baked in).
 */
public record GantryVersion(String version, String commit) {
  private static final GantryVersion CURRENT = load();

  public static GantryVersion current() {
    return CURRENT;
  }

  private static GantryVersion load() {
    Properties p = new Properties();
    try (InputStream in = GantryVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read version.properties", e);
    }
    String commit = clean(System.getProperty("io.gantry.commit"));
    return new GantryVersion(clean(p.getProperty("version")), commit != null ? commit : clean(p.getProperty("commit")));
  }

  // An unfiltered resource (running from an IDE) still has the ${...} placeholders.
  private static String clean(String value) {
    return value == null || value.isBlank() || value.contains("${") || value.equals("unknown") ? null : value.trim();
  }

  public String versionOrDev() {
    return version == null ? "dev" : version;
  }

  /** "gantry 0.1.0 (commit 1a2b3c4)", the commit only when known. */
  public String describe() {
    return "gantry " + versionOrDev() + (commit == null ? "" : " (commit " + commit + ")");
  }
}
