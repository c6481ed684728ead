package io.gantry.protocol.allocation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The identity of one allocation, unique across the cluster's history. It names the container,
 * its directory on the node ({@code containers/<id>/}) and its URL, hence lowercase letters,
 * digits and '-' only.
 */
public record AllocationId(String value) implements Comparable<AllocationId> {

    private static final Pattern FORMAT = Pattern.compile("[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?");

    public AllocationId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("allocation id '" + value + "' is not valid: use 1 to 128 lowercase"
                    + " letters, digits and '-', starting and ending with a letter or digit");
        }
    }

    @JsonCreator
    public static AllocationId of(String value) {
        return new AllocationId(value);
    }

    /**
     * A fresh random id in UUID form (128 random bits). The generator is passed in so that the
     * scheduler core and simulations stay deterministic under a seed.
     */
    public static AllocationId random(RandomGenerator random) {
        long hi = random.nextLong();
        long lo = random.nextLong();
        String hex = String.format("%016x%016x", hi, lo);
        return new AllocationId(hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16)
                + "-" + hex.substring(16, 20) + "-" + hex.substring(20));
    }

    /** The first 8 characters, for tables and logs. */
    public String shortId() {
        return value.length() <= 8 ? value : value.substring(0, 8);
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(AllocationId o) {
        return value.compareTo(o.value);
    }
}
