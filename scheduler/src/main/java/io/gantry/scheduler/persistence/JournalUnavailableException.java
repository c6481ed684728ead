package io.gantry.scheduler.persistence;

/** The scheduler's journal database cannot be opened or prepared; the message names it. */
public final class JournalUnavailableException extends Exception {

    public JournalUnavailableException(String message) {
        super(message);
    }

    public JournalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
