package io.gantry.agent.bundle;

import io.gantry.agent.runtime.RuntimeNative;
import jnr.constants.platform.RLIMIT;

import java.util.HashMap;
import java.util.Map;

/**
 * The agent's own resource limits. A container can't be given more than the agent holds: root
 * without CAP_SYS_RESOURCE (as here) gets "setrlimit: operation not permitted" from the runtime
 * when a bundle asks for a hard limit above the agent's, so every rlimit is clamped first.
 * Values are {@code [soft, hard]}, negative meaning unlimited.
 */
public final class HostLimits {

    private final Map<String, long[]> limits;

    public HostLimits(Map<String, long[]> limits) {
        this.limits = Map.copyOf(limits);
    }

    /** The running agent's limits, from getrlimit(2). */
    public static HostLimits current() {
        Map<String, long[]> m = new HashMap<>();
        for (RLIMIT r : RLIMIT.values()) {
            if (r.defined() && r.name().startsWith("RLIMIT_") && !r.name().equals("RLIMIT_NLIMITS")) {
                try {
                    m.put(r.name(), RuntimeNative.getrlimit(r));
                } catch (RuntimeException e) {
                    // a constant jnr knows but this kernel doesn't: nothing to clamp against
                }
            }
        }
        return new HostLimits(m);
    }

    /** [soft, hard] no higher than the agent's hard limit for {@code type}. */
    public long[] clamp(String type, long soft, long hard) {
        long[] host = limits.get(type);
        if (host != null && host[1] >= 0) {
            hard = hard < 0 ? host[1] : Math.min(hard, host[1]);
        }
        if (hard >= 0 && (soft < 0 || soft > hard)) {
            soft = hard;
        }
        return new long[] {soft, hard};
    }
}
