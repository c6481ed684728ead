package io.gantry.protocol.job;

import java.util.Objects;

/**
 * One thing wrong with a submitted document: where ({@code path}, a JSONPath such as
 * {@code $.volumes[2].target} or {@code $.env.FOO}) and what ({@code message}, written for the
 * person who sent it). Validation collects every problem it finds, so a user fixes a job in one
 * round trip instead of one error at a time; the REST layer lists them in one problem+json 400.
 */
public record Problem(String path, String message) {

    public Problem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
