package io.gantry.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A process that is not our child, identified by pid plus its start time in clock ticks since
 * boot (field 22 of {@code /proc/<pid>/stat}), so that a pid recycled after the process died is
 * never taken for it. Used to watch shims the agent adopted after a restart, which it can't
 * {@code waitpid}. A zombie counts as dead: its status is recorded elsewhere (the shim's exit
 * file), and nobody may be reaping it here.
 */
public record ProcessIdentity(long pid, long startTicks) {

    /** The identity of a live process, or null when {@code pid} is gone already. */
    public static ProcessIdentity of(long pid) {
        long[] stat = readStat(pid);
        return stat == null ? null : new ProcessIdentity(pid, stat[1]);
    }

    /** The same process still runs (not a zombie). */
    public boolean alive() {
        long[] stat = readStat(pid);
        return stat != null && stat[1] == startTicks && stat[0] != 'Z' && stat[0] != 'X';
    }

    /** [state char, start ticks], or null when no such process. */
    static long[] readStat(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // a process exiting while we read; treat as gone, the caller re-checks
        }
        // "pid (comm) S ppid ..." -- comm may contain spaces and parentheses, so cut at the last ')'
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return null;
        }
        String[] fields = stat.substring(close + 2).split(" ");
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19]
        if (fields.length < 20) {
            return null;
        }
        return new long[] {fields[0].charAt(0), Long.parseLong(fields[19])};
    }
}
