package io.gantry.agent.image;

/**
 * Per-layer progress of a pull, for progress bars and NDJSON streams. Called from the pull's
 * download and unpack threads: an implementation must be thread-safe and quick.
 */
@FunctionalInterface
public interface PullListener {

    PullListener NONE = event -> { };

    void onEvent(PullEvent event);
}
