package io.gantry.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.gantry.protocol.serialization.GantryJson;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.StateSnapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler's durable event journal, shared by every scheduler-role node as the JDBC journal
 * in PostgreSQL is. Writes carry the sequence number the writer expects next, as Pekko
 * Persistence's (persistence id, sequence number) key does: a deposed incarnation that writes
 * after its successor has recovered gets a conflict and stops, instead of interleaving its events.
 *
 * <p>Snapshots of the state are kept beside it (Pekko's snapshot store): recovery restores the
 * latest and replays only the events after it, as the singleton actor does.
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

    /** A snapshot of the state after the first {@code seq} events (JSON or the object). */
    public record Snapshot(long seq, StateSnapshot state) {
    }

    private record Stored(long seq, Object data) {
    }

    private final boolean json;
    private final List<Object> entries = new ArrayList<>();
    private final List<Stored> snapshots = new ArrayList<>();
    private final ObjectWriter snapshotWriter;
    private final ObjectReader snapshotReader;
    private final ObjectWriter writer;
    private final ObjectReader reader;
    private long bytes;
    private int snapshotsTaken;
    private long snapshotBytes;

    public Journal(boolean json) {
        this.json = json;
        ObjectMapper mapper = GantryJson.mapper();
        this.writer = mapper.writerFor(SchedulerEvent.class);
        this.reader = mapper.readerFor(SchedulerEvent.class);
        this.snapshotWriter = mapper.writerFor(StateSnapshot.class);
        this.snapshotReader = mapper.readerFor(StateSnapshot.class);
    }

    /** Snapshots taken so far (older ones are deleted as new ones come). */
    public int snapshots() {
        return snapshotsTaken;
    }

    public long snapshotBytes() {
        return snapshotBytes;
    }

    /** Snapshots kept, as the actor's keep-snapshots: older ones are deleted. */
    static final int KEEP_SNAPSHOTS = 2;

    /** Stores a snapshot of the state after the first {@code seq} events, as the snapshot store would. */
    public void saveSnapshot(long seq, StateSnapshot state) {
        snapshotsTaken++;
        while (snapshots.size() >= KEEP_SNAPSHOTS) {
            snapshots.remove(0);
        }
        if (json) {
            try {
                String s = snapshotWriter.writeValueAsString(state);
                snapshotBytes += s.length();
                snapshots.add(new Stored(seq, s));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("scheduler snapshot does not serialise", ex);
            }
        } else {
            snapshots.add(new Stored(seq, state));
        }
    }

    /** The latest snapshot, read back, or null when there is none. */
    public Snapshot latestSnapshot() {
        if (snapshots.isEmpty()) {
            return null;
        }
        Stored last = snapshots.get(snapshots.size() - 1);
        if (last.data instanceof String s) {
            try {
                return new Snapshot(last.seq, snapshotReader.readValue(s));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("scheduler snapshot does not read back", ex);
            }
        }
        return new Snapshot(last.seq, (StateSnapshot) last.data);
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
        return readAfter(0);
    }

    /** The events after the first {@code seq}. */
    public List<SchedulerEvent> readAfter(long seq) {
        List<SchedulerEvent> out = new ArrayList<>(Math.max(0, entries.size() - (int) seq));
        for (Object o : entries.subList((int) Math.min(seq, entries.size()), entries.size())) {
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
        snapshots.removeIf(sn -> sn.seq > size);
    }
}
