package io.gantry.scheduler.actor;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of its own for a test: initdb into a temp directory, started with pg_ctl
 * on a free loopback port as user postgres (the server refuses to run as root), a database
 * {@code gantry}, and everything removed again. Skips the test, saying why, when the binaries of
 * the Debian package {@code postgresql} are missing or the user cannot be switched.
 */
final class ThrowawayPostgres implements AutoCloseable {

    private final Path bin;
    private final Path dir;
    final int port;

    private ThrowawayPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    static ThrowawayPostgres start() throws Exception {
        Path bin = findBin();
        Assumptions.assumeTrue(bin != null, "PostgreSQL is not installed (apt-get install postgresql)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) && isRoot(),
                "starting a throwaway PostgreSQL needs root (to run it as user postgres)");
        Assumptions.assumeTrue(run(List.of("id", "postgres"), 10) == 0, "there is no user postgres");
        Path dir = Files.createTempDirectory("gantry-pg-");
        run(List.of("chown", "postgres:", dir.toString()), 10);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ThrowawayPostgres pg = new ThrowawayPostgres(bin, dir, port);
        try {
            check(pg.asPostgres(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                    "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"), 120), "initdb");
            check(pg.asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                    "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                    "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start"), 90), "pg_ctl start");
            try (Connection c = DriverManager.getConnection(pg.url("postgres"), "postgres", "")) {
                c.createStatement().execute("create database gantry");
            }
            return pg;
        } catch (Exception | AssertionError e) {
            pg.close();
            throw e;
        }
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public void close() {
        try {
            asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
                    "immediate", "-w", "stop"), 60);
        } catch (Exception e) {
            // fall through to removing the directory; the log says what happened
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }

    private int asPostgres(List<String> command, int timeoutSeconds) throws Exception {
        List<String> full = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
        full.addAll(command);
        return run(full, timeoutSeconds, dir.resolve("commands.log"));
    }

    private static void check(int code, String what) throws IOException {
        if (code != 0) {
            throw new IOException(what + " failed with exit code " + code);
        }
    }

    private static int run(List<String> command, int timeoutSeconds) throws Exception {
        return run(command, timeoutSeconds, null);
    }

    private static int run(List<String> command, int timeoutSeconds, Path log) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        if (log != null) {
            b.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            b.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = b.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish within " + timeoutSeconds + " s");
        }
        return p.exitValue();
    }

    private static boolean isRoot() {
        try {
            return run(List.of("test", "-w", "/root"), 5) == 0
                    && "root".equals(System.getProperty("user.name"));
        } catch (Exception e) {
            return false;
        }
    }

    private static Path findBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString)).orElse(null);
        }
    }
}
