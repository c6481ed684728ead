package io.gantry.agent.snapshot;

import java.io.IOException;

/**
 * A snapshot operation refused, with a reason a caller can act on (containerd's errdefs):
 * {@link Reason#NOT_FOUND}, {@link Reason#ALREADY_EXISTS}, {@link Reason#FAILED_PRECONDITION}.
 */
public class SnapshotException extends IOException {
    public enum Reason {
        NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION
    }

    private final Reason reason;

    public SnapshotException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static SnapshotException notFound(String what) {
        return new SnapshotException(Reason.NOT_FOUND, what + " not found");
    }

    static SnapshotException alreadyExists(String what) {
        return new SnapshotException(Reason.ALREADY_EXISTS, what + " already exists");
    }

    static SnapshotException failedPrecondition(String message) {
        return new SnapshotException(Reason.FAILED_PRECONDITION, message);
    }
}
