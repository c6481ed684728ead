package io.gantry.scheduler.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the journal's tables when they are missing, from the schema script that ships in the
 * pekko-persistence-jdbc jar ({@code schema/h2/h2-create-schema.sql},
 * {@code schema/postgres/postgres-create-schema.sql}), so that a new node needs no manual step.
 *
 * <p>The scripts are not idempotent (an index is created without {@code IF NOT EXISTS}), so they
 * run only when a table is missing; two scheduler nodes that race to create the schema of a
 * shared database both succeed when the tables exist afterwards.
 */
public final class JournalSchema {

    static final List<String> TABLES = List.of("event_journal", "event_tag", "snapshot");

    private JournalSchema() {
    }

    /** Connects, creates what is missing, and says whether anything was created. */
    public static boolean ensure(JournalSettings settings) throws JournalUnavailableException {
        try (Connection c = DriverManager.getConnection(settings.url(), settings.user(), settings.password())) {
            if (missing(c).isEmpty()) {
                return false;
            }
            if (!settings.createSchema()) {
                throw new JournalUnavailableException("the journal " + settings.describe() + " has no tables "
                        + missing(c) + " and gantry.journal.create-schema is off; create them with "
                        + settings.schemaResource() + " from the pekko-persistence-jdbc jar");
            }
            c.setAutoCommit(true);
            SQLException first = null;
            for (String statement : statements(settings.schemaResource())) {
                try (Statement s = c.createStatement()) {
                    s.execute(statement);
                } catch (SQLException e) {
                    first = first == null ? e : first; // maybe another node created it meanwhile
                }
            }
            List<String> still = missing(c);
            if (!still.isEmpty()) {
                throw new JournalUnavailableException("cannot create the journal tables " + still + " in "
                        + settings.describe() + (first == null ? "" : ": " + first.getMessage()), first);
            }
            return true;
        } catch (SQLException e) {
            throw new JournalUnavailableException("cannot open the scheduler journal " + settings.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<String> missing(Connection c) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        List<String> out = new ArrayList<>();
        for (String table : TABLES) {
            boolean found = false;
            for (String name : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
                try (ResultSet rs = meta.getTables(null, null, name, new String[] {"TABLE", "BASE TABLE"})) {
                    found |= rs.next();
                }
            }
            if (!found) {
                out.add(table);
            }
        }
        return out;
    }

    /** The script's statements: split at ';' at the end of a line, comments and blanks dropped. */
    static List<String> statements(String resource) {
        String script;
        try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the schema script " + resource
                        + " is missing from the classpath (it ships in pekko-persistence-jdbc)");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the schema script " + resource, e);
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String s = current.toString().trim();
                out.add(s.substring(0, s.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().trim());
        }
        return out;
    }
}
