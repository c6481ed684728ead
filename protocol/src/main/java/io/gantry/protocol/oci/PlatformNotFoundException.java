package io.gantry.protocol.oci;

import java.util.List;
import java.util.stream.Collectors;

/** An index that has no manifest a node of the wanted platform can run. */
public final class PlatformNotFoundException extends RuntimeException {

    private final Platform wanted;
    private final List<String> available;

    public PlatformNotFoundException(Platform wanted, List<String> available) {
        super("no manifest for platform " + wanted + " in the index; available: "
                + (available.isEmpty() ? "none" : available.stream().collect(Collectors.joining(", "))));
        this.wanted = wanted;
        this.available = List.copyOf(available);
    }

    public Platform wanted() {
        return wanted;
    }

    /** The platforms the index offers, as {@code os/arch[/variant]}, in index order. */
    public List<String> available() {
        return available;
    }
}
