package io.gantry.protocol.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides which platforms a wanted platform can run, best first, after containerd's
 * {@code platforms.Only}: the exact platform, then the older variants the hardware also runs.
 *
 * <ul>
 *   <li>amd64/vN also runs amd64/v(N-1) ... amd64 (v1), then 386;</li>
 *   <li>arm/vN also runs arm/v(N-1) down to arm/v5;</li>
 *   <li>arm64/v8.x also runs arm64/v8.(x-1) ... arm64 (v8); arm64/v9.x also runs
 *       arm64/v9.(x-1) ... v9 and arm64/v8.(x+5) ... v8; every arm64 then runs 32-bit
 *       arm/v8 down to arm/v5.</li>
 * </ul>
 *
 * <p>Both sides are {@link Platform#normalize() normalised} before comparing OS, architecture
 * and variant; a candidate's os.features must be a subset of the wanted ones; os.version is
 * not compared (it only matters for Windows hosts, which Gantry does not run).
 */
public final class PlatformMatcher {

    private final Platform wanted;
    private final List<Platform> preference;

    private PlatformMatcher(Platform wanted, List<Platform> preference) {
        this.wanted = wanted;
        this.preference = List.copyOf(preference);
    }

    /** The wanted platform and everything it can also run, in order of preference. */
    public static PlatformMatcher only(Platform wanted) {
        requireOsAndArch(wanted);
        List<Platform> vector = new ArrayList<>();
        addVector(wanted.normalize(), vector);
        List<Platform> normalized = new ArrayList<>(vector.size());
        for (Platform p : vector) {
            Platform n = p.normalize();
            if (!normalized.contains(n)) {
                normalized.add(n);
            }
        }
        return new PlatformMatcher(wanted, normalized);
    }

    /** Only the wanted platform itself (after normalisation): no older variant, no 386 on amd64. */
    public static PlatformMatcher strict(Platform wanted) {
        requireOsAndArch(wanted);
        return new PlatformMatcher(wanted, List.of(wanted.normalize()));
    }

    public Platform wanted() {
        return wanted;
    }

    /** The normalised platforms accepted, best first. */
    public List<Platform> preference() {
        return preference;
    }

    public boolean matches(Platform candidate) {
        return rank(candidate) >= 0;
    }

    /** 0 for the best match, higher for a worse one, -1 when the candidate cannot run here. */
    public int rank(Platform candidate) {
        if (candidate == null) {
            return -1;
        }
        Platform c = candidate.normalize();
        for (int i = 0; i < preference.size(); i++) {
            Platform p = preference.get(i);
            if (Objects.equals(p.os(), c.os())
                    && Objects.equals(p.architecture(), c.architecture())
                    && Objects.equals(p.variant(), c.variant())
                    && p.osFeatures().containsAll(c.osFeatures())) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "PlatformMatcher" + preference;
    }

    private static void requireOsAndArch(Platform wanted) {
        Objects.requireNonNull(wanted, "wanted platform");
        if (wanted.os() == null || wanted.architecture() == null) {
            throw new IllegalArgumentException("platform " + wanted + ": os and architecture are required to match");
        }
    }

    private static void addVector(Platform p, List<Platform> out) {
        out.add(p);
        String arch = p.architecture();
        if ("amd64".equals(arch)) {
            int level = variantNumber(p.variant());
            for (int v = level - 1; v >= 1; v--) {
                out.add(with(p, "amd64", "v" + v));
            }
            out.add(with(p, "386", null));
        } else if ("arm".equals(arch)) {
            int level = variantNumber(p.variant());
            for (int v = level - 1; v >= 5; v--) {
                out.add(with(p, "arm", "v" + v));
            }
        } else if ("arm64".equals(arch)) {
            String variant = p.variant() == null ? "v8" : p.variant();
            int dot = variant.indexOf('.');
            int major = variantNumber(dot < 0 ? variant : variant.substring(0, dot));
            int minor = 0;
            if (dot >= 0) {
                try {
                    minor = Integer.parseInt(variant.substring(dot + 1));
                } catch (NumberFormatException e) {
                    minor = 0;
                }
            }
            if (major >= 8) {
                if (major == 9) {
                    for (int m = minor - 1; m >= 0; m--) {
                        out.add(with(p, "arm64", m == 0 ? "v9" : "v9." + m));
                    }
                    // v9.0 branched from v8.5: v9.x runs what v8.(x+5) runs.
                    minor += 5;
                    major = 8;
                    out.add(with(p, "arm64", "v8." + minor));
                }
                for (int m = minor - 1; m >= 0; m--) {
                    out.add(with(p, "arm64", m == 0 ? "v" + major : "v" + major + "." + m));
                }
            }
            String armVariant = variant.startsWith("v8.") || variant.startsWith("v9.") ? "v8" : variant;
            addVector(with(p, "arm", armVariant), out);
        }
    }

    private static Platform with(Platform p, String arch, String variant) {
        return new Platform(arch, p.os(), p.osVersion(), p.osFeatures(), variant, List.of());
    }

    /** 7 for "v7" or "7"; 0 when absent or not a number. */
    private static int variantNumber(String variant) {
        if (variant == null) {
            return 0;
        }
        String digits = variant.startsWith("v") ? variant.substring(1) : variant;
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
