package io.gantry.agent.runtime;

import java.util.regex.Pattern;

/** Container ids as runc and crun accept them, and safe as one path segment. */
public final class ContainerIds {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private ContainerIds() {
    }

    public static String validate(String id) {
        if (id == null || !VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid container id '" + id
                    + "': 1-128 characters of letters, digits, '_', '.', '-', starting with a letter or digit");
        }
        return id;
    }
}
