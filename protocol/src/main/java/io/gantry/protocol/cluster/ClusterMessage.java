package io.gantry.protocol.cluster;

/**
 * Every message that crosses the network between the scheduler and the node agents. It is sealed
 * so that the complete list is known at compile time: {@code reference.conf} binds this type to
 * the Kryo serializer, and a test walks the permitted subclasses to check that each message is in
 * {@code KryoRegistrations} (a message missing there would only fail in a real multi-node cluster,
 * since local messages are not serialised).
 *
 * <p>Two directions: {@link AgentCommand} (scheduler → agent, fenced by epoch) and
 * {@link AgentReport} (agent → scheduler, naming its node). Messages are records of plain types
 * (records, enums, String, primitives, Instant, Duration, Optional, immutable List/Set/Map,
 * typed ActorRefs); a Path, an InetSocketAddress or a {@code Collections.unmodifiable*} wrapper
 * cannot be serialised here.
 */
public sealed interface ClusterMessage permits AgentCommand, AgentReport {
}
