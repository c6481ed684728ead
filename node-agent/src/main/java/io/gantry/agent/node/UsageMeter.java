package io.gantry.agent.node;

import io.gantry.protocol.node.NodeResources;

import java.util.List;

/**
 * Measures what a node's running containers use right now: memory in bytes and cpu in
 * millicores (a rate since the previous measurement). On a real node it reads their cgroups
 * ({@link io.gantry.agent.runtime.CgroupUsage}). The agent calls it off its actor, one call at a
 * time, so an implementation may keep state between calls.
 */
@FunctionalInterface
public interface UsageMeter {

    NodeResources measure(List<String> containerIds) throws Exception;
}
