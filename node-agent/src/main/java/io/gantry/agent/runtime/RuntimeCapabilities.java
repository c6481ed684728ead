package io.gantry.agent.runtime;

/**
 * What a runtime can do, so the supervisor and the node API can say no early instead of failing
 * half way (Nomad's driver Capabilities).
 *
 * @param name             "runc", "crun", "fake"
 * @param version          the runtime's own version line
 * @param detectsOom       an OOM kill in the container's memory cgroup is reported exactly
 * @param recoversAfterAgentRestart running containers survive the agent and can be adopted
 * @param sendsSignals     arbitrary signals can be delivered
 * @param shim             what watches each container (e.g. the compiled gantry-shim or the shell
 *                         fallback, and why), for the agent's start log and diagnostics
 */
public record RuntimeCapabilities(
        String name,
        String version,
        boolean detectsOom,
        boolean recoversAfterAgentRestart,
        boolean sendsSignals,
        String shim) {
}
