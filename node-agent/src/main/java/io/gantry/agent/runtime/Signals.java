package io.gantry.agent.runtime;

import java.util.Locale;
import java.util.Map;

/**
 * Linux signal names and numbers (the generic table shared by x86-64 and arm64), for the image
 * config's {@code StopSignal} ("SIGTERM", "TERM", "15", "SIGRTMIN+3") and for naming the signal
 * that ended a container.
 */
public final class Signals {

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGTERM = 15;

    private static final int SIGRTMIN = 34;
    private static final int SIGRTMAX = 64;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
        "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };

    private static final Map<String, Integer> ALIASES = Map.of("IOT", 6, "POLL", 29, "CLD", 17);

    private Signals() {
    }

    /**
     * Parses a signal as Docker accepts it: a number, a name with or without "SIG", any case,
     * or "RTMIN+n"/"RTMAX-n".
     *
     * @throws IllegalArgumentException naming the text when it is not a signal
     */
    public static int parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty signal");
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.chars().allMatch(Character::isDigit)) {
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid signal '" + text + "'");
            }
            if (n < 1 || n > SIGRTMAX) {
                throw new IllegalArgumentException("invalid signal '" + text + "': out of range 1.." + SIGRTMAX);
            }
            return n;
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        for (int i = 1; i < NAMES.length; i++) {
            if (NAMES[i].equals(s)) {
                return i;
            }
        }
        Integer alias = ALIASES.get(s);
        if (alias != null) {
            return alias;
        }
        try {
            if (s.equals("RTMIN")) {
                return SIGRTMIN;
            }
            if (s.equals("RTMAX")) {
                return SIGRTMAX;
            }
            if (s.startsWith("RTMIN+")) {
                int n = SIGRTMIN + Integer.parseInt(s.substring(6));
                if (n <= SIGRTMAX) {
                    return n;
                }
            }
            if (s.startsWith("RTMAX-")) {
                int n = SIGRTMAX - Integer.parseInt(s.substring(6));
                if (n >= SIGRTMIN) {
                    return n;
                }
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("invalid signal '" + text + "'");
    }

    /** "SIGTERM", "SIGRTMIN+3", or "signal 99" for numbers outside the table. */
    public static String name(int signal) {
        if (signal >= 1 && signal < NAMES.length) {
            return "SIG" + NAMES[signal];
        }
        if (signal >= SIGRTMIN && signal <= SIGRTMAX) {
            return signal == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (signal - SIGRTMIN);
        }
        return "signal " + signal;
    }
}
