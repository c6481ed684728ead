package io.gantry.protocol.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Objects;

/**
 * When a job's container is started again after it exits, in Docker's words:
 * <ul>
 *   <li>{@code no}: never;</li>
 *   <li>{@code on-failure[:max]}: after a non-zero exit (or a failure to start), at most
 *       {@code max} times when given, without limit otherwise;</li>
 *   <li>{@code always}: after every exit, until the allocation is stopped by request;</li>
 *   <li>{@code unless-stopped}: like {@code always}, except that a container stopped by request
 *       stays stopped when its agent restarts and re-adopts its allocations.</li>
 * </ul>
 * The delay between attempts is the job's {@link Backoff}. {@code maxRetries} is 0 for "no limit"
 * (as in Docker's API) and for every kind but {@code on-failure}; {@code on-failure:0} is refused
 * rather than guessed at.
 */
public record RestartPolicy(Kind kind, int maxRetries) {

    public enum Kind {
        NO("no"), ON_FAILURE("on-failure"), ALWAYS("always"), UNLESS_STOPPED("unless-stopped");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public static final RestartPolicy NO = new RestartPolicy(Kind.NO, 0);
    public static final RestartPolicy ALWAYS = new RestartPolicy(Kind.ALWAYS, 0);
    public static final RestartPolicy UNLESS_STOPPED = new RestartPolicy(Kind.UNLESS_STOPPED, 0);

    private static final String SYNTAX = "no, on-failure, on-failure:MAX_RETRIES, always or unless-stopped";

    public RestartPolicy {
        Objects.requireNonNull(kind, "kind");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("restart policy: max retries must not be negative, got " + maxRetries);
        }
        if (maxRetries != 0 && kind != Kind.ON_FAILURE) {
            throw new IllegalArgumentException("restart policy: only on-failure takes a max retry count, not " + kind.text);
        }
    }

    /** {@code on-failure} without a limit. */
    public static RestartPolicy onFailure() {
        return new RestartPolicy(Kind.ON_FAILURE, 0);
    }

    /** {@code on-failure:maxRetries}; {@code maxRetries} must be at least 1. */
    public static RestartPolicy onFailure(int maxRetries) {
        if (maxRetries < 1) {
            throw new IllegalArgumentException("restart policy: on-failure needs at least 1 retry, got " + maxRetries
                    + " (write 'on-failure' for no limit)");
        }
        return new RestartPolicy(Kind.ON_FAILURE, maxRetries);
    }

    /** Parses {@code no | on-failure[:max] | always | unless-stopped}; the message names what is wrong. */
    @JsonCreator
    public static RestartPolicy parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("restart policy is empty; expected " + SYNTAX);
        }
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.text.equals(name)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("restart policy '" + text + "' is not one of " + SYNTAX);
        }
        if (colon < 0) {
            return kind == Kind.ON_FAILURE ? onFailure() : new RestartPolicy(kind, 0);
        }
        if (kind != Kind.ON_FAILURE) {
            throw new IllegalArgumentException("restart policy '" + text + "': only on-failure takes a max retry count");
        }
        String count = text.substring(colon + 1);
        if (!count.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("restart policy '" + text
                    + "': max retries must be a whole number from 1 to 999999999");
        }
        int max = Integer.parseInt(count);
        if (max == 0) {
            throw new IllegalArgumentException("restart policy '" + text
                    + "': max retries must be at least 1 (write 'on-failure' for no limit)");
        }
        return onFailure(max);
    }

    /** True when retries are not counted: {@code always}, {@code unless-stopped}, plain {@code on-failure}. */
    public boolean unlimited() {
        return kind != Kind.NO && maxRetries == 0;
    }

    /** The text {@link #parse} reads, e.g. {@code on-failure:3}. */
    @JsonValue
    public String format() {
        return maxRetries == 0 ? kind.text : kind.text + ":" + maxRetries;
    }

    @Override
    public String toString() {
        return format();
    }
}
