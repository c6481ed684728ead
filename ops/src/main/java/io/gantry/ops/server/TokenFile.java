package io.gantry.ops.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API token a node generates when config sets none: 32 random bytes, hex, in
 * {@code DATA_DIR/token}, readable by its owner only, kept across restarts so clients keep
 * working.
 *
 * <p>The file is written under a temp name created with mode 0600 (no moment where it is
 * readable by others) and then hard-linked to its final name, which fails if the name
 * exists: two nodes starting on one data directory agree on one token, and a reader never
 * sees a half-written file.
 */
public final class TokenFile {
  private static final Logger log = LoggerFactory.getLogger(TokenFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final SecureRandom RANDOM = new SecureRandom();

  private TokenFile() {}

  /** The token in {@code file}, creating it first if it does not exist. */
  public static String loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      create(file);
    }
    String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
    if (token.isEmpty()) {
      throw new IOException("token file " + file + " is empty; delete it to have a new token generated");
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY.containsAll(perms)) {
      log.warn("token file {} is readable by others ({}); run: chmod 600 {}", file,
          PosixFilePermissions.toString(perms), file);
    }
    return token;
  }

  private static void create(Path file) throws IOException {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".token-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      Files.writeString(tmp, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.US_ASCII);
      try {
        Files.createLink(file, tmp);
        log.info("generated a new API token in {}", file);
      } catch (FileAlreadyExistsException raced) {
        // Another process created it first: use theirs.
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
