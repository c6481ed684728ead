package io.gantry.agent.snapshot;

import java.util.List;

/**
 * One mount(2) to perform, as containerd's {@code mount.Mount}: a file system type, a source
 * and options ("ro", "rbind", "lowerdir=...", ...). The target is the caller's choice;
 * {@link Mounter} applies it.
 */
public record Mount(String type, String source, List<String> options) {
    public Mount {
        options = List.copyOf(options);
    }

    /** The value of a {@code key=value} option, or null. */
    public String option(String key) {
        String prefix = key + "=";
        for (String o : options) {
            if (o.startsWith(prefix)) {
                return o.substring(prefix.length());
            }
        }
        return null;
    }

    public boolean readOnly() {
        return options.contains("ro");
    }
}
