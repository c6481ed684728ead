package io.gantry.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.gantry.protocol.serialization.GantryJson;
import io.gantry.scheduler.core.SchedulerEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler's durable event journal, shared by every scheduler-role node as the JDBC journal
 * in PostgreSQL is. Writes carry the sequence number the writer expects next, as Pekko
 * Persistence's (persistence id, sequence number) key does: a deposed incarnation that writes
 * after its successor has recovered gets a conflict and stops, instead of interleaving its events.
 *
 * <p>In JSON mode (the default) each event is stored as the JSON the persistence plugin would
 * write and read back on recovery, so a failover replays exactly what persistence would hand the
 * new incarnation; memory mode keeps the objects (for the large benchmark).
 */
public final class Journal {

    /** A write from an incarnation that is no longer the journal's only writer. */
    public static final class ConflictException extends Exception {
        ConflictException(String message) {
            super(message);
        }
    }

    private final boolean json;
    private final List<Object> entries = new ArrayList<>();
    private final ObjectWriter writer;
    private final ObjectReader reader;
    private long bytes;

    public Journal(boolean json) {
        this.json = json;
        ObjectMapper mapper = GantryJson.mapper();
        this.writer = mapper.writerFor(SchedulerEvent.class);
        this.reader = mapper.readerFor(SchedulerEvent.class);
    }

    /** The number of events written, which is also the last sequence number. */
    public long size() {
        return entries.size();
    }

    public long bytes() {
        return bytes;
    }

    public boolean json() {
        return json;
    }

    /** Appends the events if the journal holds exactly {@code expectedSize} events. */
    public void append(long expectedSize, List<SchedulerEvent> events) throws ConflictException {
        if (entries.size() != expectedSize) {
            throw new ConflictException("journal has " + entries.size() + " events, the writer expected "
                    + expectedSize + " (another incarnation wrote since it recovered)");
        }
        for (SchedulerEvent e : events) {
            if (json) {
                try {
                    String s = writer.writeValueAsString(e);
                    bytes += s.length();
                    entries.add(s);
                } catch (JsonProcessingException ex) {
                    throw new IllegalStateException("scheduler event does not serialise: " + e, ex);
                }
            } else {
                entries.add(e);
            }
        }
    }

    /** Everything written, as a new incarnation reads it on recovery. */
    public List<SchedulerEvent> read() {
        List<SchedulerEvent> out = new ArrayList<>(entries.size());
        for (Object o : entries) {
            if (o instanceof String s) {
                try {
                    out.add(reader.readValue(s));
                } catch (JsonProcessingException ex) {
                    throw new IllegalStateException("journal entry does not read back: " + s, ex);
                }
            } else {
                out.add((SchedulerEvent) o);
            }
        }
        return out;
    }

    /** Test-only fault: the journal loses every event after the first {@code size} (an unsafe store). */
    void truncate(long size) {
        while (entries.size() > size) {
            entries.remove(entries.size() - 1);
        }
    }
}
