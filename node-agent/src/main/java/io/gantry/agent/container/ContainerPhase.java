package io.gantry.agent.container;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * Where a container is in its life on this node, as its supervisor sees it:
 * <pre>
 *  pending ─► pulling ─► starting ─► running ─► exited
 *                │           │          │  ▲
 *                │           │          ▼  │ restart policy: backoff, then starting again
 *                └───────────┴──────► backoff ─► failed | exited
 *                                       running ─► stopping ─► exited
 * </pre>
 * {@code backoff}: the process ended (or did not start) and the restart policy wants another
 * run after a delay; with {@code crashLooping} it is Kubernetes' CrashLoopBackOff.
 * {@code exited}: the process ended and no restart is due (any exit code, or stopped by
 * request). {@code failed}: it could not be started (pull, bundle or runtime error) and no
 * restart is due.
 */
public enum ContainerPhase {
    PENDING, PULLING, STARTING, RUNNING, STOPPING, BACKOFF, EXITED, FAILED;

    /** No process and nothing more will happen without a request. */
    public boolean terminal() {
        return this == EXITED || this == FAILED;
    }

    /** A process of the container runs (or is being stopped). */
    public boolean live() {
        return this == RUNNING || this == STOPPING;
    }

    @JsonValue
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
