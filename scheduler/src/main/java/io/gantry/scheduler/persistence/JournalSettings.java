package io.gantry.scheduler.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where the scheduler's event journal and snapshots live ({@code gantry.journal}): an embedded H2
 * file in the data directory (the all-in-one default), or a PostgreSQL database that every
 * scheduler node shares so that the singleton can move between them. Both go through
 * pekko-persistence-jdbc; {@link #pekkoConfig()} is the plugin configuration an ActorSystem needs
 * from its start.
 *
 * <p>The H2 URL sets {@code WRITE_DELAY=0}: with H2's default (a commit is written to the file
 * up to half a second later) a process killed right after a commit loses it, which would break
 * "nothing is acknowledged before it is durable". Measured here: 50 committed inserts and a
 * {@code halt} lose all 50 by default, none with {@code WRITE_DELAY=0}.
 */
public record JournalSettings(Kind kind, String url, String user, String password, int maxConnections,
                              boolean createSchema) {

    public enum Kind { H2, POSTGRES }

    public JournalSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("the journal needs at least one connection, got " + maxConnections);
        }
    }

    /** An embedded H2 database in {@code dir} (file {@code scheduler.mv.db}). */
    public static JournalSettings h2(Path dir) {
        String path = dir.toAbsolutePath().normalize().toString();
        if (path.contains(";")) {
            throw new IllegalArgumentException("the journal directory must not contain ';' (H2 URL syntax): " + path);
        }
        return new JournalSettings(Kind.H2, "jdbc:h2:file:" + path + "/scheduler;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE",
                "gantry", "", 2, true);
    }

    public static JournalSettings postgres(String url, String user, String password) {
        return new JournalSettings(Kind.POSTGRES, url, user, password, 2, true);
    }

    /** Reads {@code gantry.journal}; a relative or empty H2 directory is taken under {@code dataDir}. */
    public static JournalSettings from(Config config, Path dataDir) {
        Config j = config.getConfig("gantry.journal");
        String kind = j.getString("kind").trim().toLowerCase(Locale.ROOT);
        JournalSettings s;
        try {
            switch (kind) {
                case "h2" -> {
                    String dir = j.getString("h2.dir").trim();
                    s = h2(dir.isEmpty() ? dataDir.resolve("journal") : dataDir.resolve(dir));
                }
                case "postgres", "postgresql" -> {
                    String url = j.getString("postgres.url").trim();
                    if (!url.startsWith("jdbc:postgresql:")) {
                        throw new ConfigException.BadValue(j.origin(), "gantry.journal.postgres.url",
                                "must be a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DB), got '" + url + "'");
                    }
                    s = postgres(url, j.getString("postgres.user"), j.getString("postgres.password"));
                }
                default -> throw new ConfigException.BadValue(j.origin(), "gantry.journal.kind",
                        "must be h2 or postgres, got '" + kind + "'");
            }
            return new JournalSettings(s.kind, s.url, s.user, s.password, j.getInt("max-connections"),
                    j.getBoolean("create-schema"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(j.origin(), "gantry.journal", e.getMessage());
        }
    }

    public JournalSettings withMaxConnections(int n) {
        return new JournalSettings(kind, url, user, password, n, createSchema);
    }

    /** For logs and errors: the database, never the password. */
    public String describe() {
        return (kind == Kind.H2 ? "H2 " : "PostgreSQL ") + url;
    }

    String driver() {
        return kind == Kind.H2 ? "org.h2.Driver" : "org.postgresql.Driver";
    }

    String schemaResource() {
        return kind == Kind.H2 ? "schema/h2/h2-create-schema.sql" : "schema/postgres/postgres-create-schema.sql";
    }

    /**
     * The persistence plugins (pekko-persistence-jdbc's journal and snapshot store, sharing one
     * small connection pool) configured for this database.
     */
    public Config pekkoConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pekko.persistence.journal.plugin", "jdbc-journal");
        m.put("pekko.persistence.snapshot-store.plugin", "jdbc-snapshot-store");
        m.put("jdbc-journal.use-shared-db", "gantry");
        m.put("jdbc-snapshot-store.use-shared-db", "gantry");
        m.put("jdbc-read-journal.use-shared-db", "gantry");
        String db = "pekko-persistence-jdbc.shared-databases.gantry.";
        m.put(db + "profile", kind == Kind.H2 ? "slick.jdbc.H2Profile$" : "slick.jdbc.PostgresProfile$");
        m.put(db + "db.url", url);
        m.put(db + "db.user", user);
        m.put(db + "db.password", password);
        m.put(db + "db.driver", driver());
        m.put(db + "db.connectionPool", "HikariCP");
        m.put(db + "db.numThreads", maxConnections);
        m.put(db + "db.maxConnections", maxConnections);
        m.put(db + "db.minConnections", 1);
        m.put(db + "db.queueSize", 1000);
        // Fail a write within seconds when the database is gone, rather than after 3 minutes.
        m.put(db + "db.connectionTimeout", 5000);
        m.put(db + "db.keepAliveConnection", "on");
        return ConfigFactory.parseMap(m, "gantry.journal (" + describe() + ")");
    }
}
