package io.gantry.protocol.node;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.regex.Pattern;

/**
 * A node's stable name in the cluster (by default its host name), unique among live nodes. It
 * appears in URLs, logs and paths, hence the restricted alphabet.
 */
public record NodeId(String value) implements Comparable<NodeId> {

    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?");

    public NodeId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("node id '" + value + "' is not valid: use 1 to 128 letters, digits,"
                    + " '.', '_' and '-', starting and ending with a letter or digit");
        }
    }

    @JsonCreator
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(NodeId o) {
        return value.compareTo(o.value);
    }
}
