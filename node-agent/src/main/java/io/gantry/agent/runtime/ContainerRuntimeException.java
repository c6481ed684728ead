package io.gantry.agent.runtime;

/**
 * A runtime operation failed. Subclasses are the few kinds a caller acts on differently
 * (containerd's errdefs): not found, already exists, wrong state, failed to start, and a
 * runtime CLI call that failed.
 */
public class ContainerRuntimeException extends RuntimeException {

    private final String containerId;

    public ContainerRuntimeException(String containerId, String message) {
        super(message);
        this.containerId = containerId;
    }

    public ContainerRuntimeException(String containerId, String message, Throwable cause) {
        super(message, cause);
        this.containerId = containerId;
    }

    public String containerId() {
        return containerId;
    }

    /** No container with that id is known to this runtime. */
    public static final class NotFound extends ContainerRuntimeException {
        public NotFound(String id) {
            super(id, "container " + id + ": not found");
        }
    }

    /** A container with that id exists already (perhaps left over; destroy it first). */
    public static final class AlreadyExists extends ContainerRuntimeException {
        public AlreadyExists(String id, String where) {
            super(id, "container " + id + ": already exists (" + where + ")");
        }
    }

    /** The operation does not fit the container's state, e.g. destroying a running one without force. */
    public static final class FailedPrecondition extends ContainerRuntimeException {
        public FailedPrecondition(String id, String message) {
            super(id, "container " + id + ": " + message);
        }
    }

    /** The runtime could not start the container's process; the message carries the runtime's own words. */
    public static final class StartFailed extends ContainerRuntimeException {
        private final ContainerExit exit;

        public StartFailed(String id, String message, ContainerExit exit) {
            super(id, "start container " + id + ": " + message);
            this.exit = exit;
        }

        public StartFailed(String id, String message, Throwable cause) {
            super(id, "start container " + id + ": " + message, cause);
            this.exit = null;
        }

        /** The runtime's exit status when it got that far, else null. */
        public ContainerExit exit() {
            return exit;
        }
    }

    /** The OCI runtime binary itself failed or could not be run. */
    public static final class CommandFailed extends ContainerRuntimeException {
        private final int exitCode;
        private final String stderr;

        public CommandFailed(String id, String command, int exitCode, String stderr) {
            super(id, command + " exited with " + exitCode + (stderr.isBlank() ? "" : ": " + stderr.strip()));
            this.exitCode = exitCode;
            this.stderr = stderr;
        }

        public CommandFailed(String id, String command, Throwable cause) {
            super(id, command + ": " + cause.getMessage(), cause);
            this.exitCode = -1;
            this.stderr = "";
        }

        public int exitCode() {
            return exitCode;
        }

        public String stderr() {
            return stderr;
        }
    }
}
