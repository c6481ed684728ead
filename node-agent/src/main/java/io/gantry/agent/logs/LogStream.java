package io.gantry.agent.logs;

/** The two output streams of a container, named as Docker's json-file log names them. */
public enum LogStream {
    STDOUT("stdout"),
    STDERR("stderr");

    private final String wireName;

    LogStream(String wireName) {
        this.wireName = wireName;
    }

    /** The name written into each log line's {@code stream} field. */
    public String wireName() {
        return wireName;
    }

    public static LogStream fromWireName(String name) {
        for (LogStream s : values()) {
            if (s.wireName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown log stream '" + name + "' (expected stdout or stderr)");
    }
}
