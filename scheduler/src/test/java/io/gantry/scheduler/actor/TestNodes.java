package io.gantry.scheduler.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.gantry.scheduler.persistence.JournalSchema;
import io.gantry.scheduler.persistence.JournalSettings;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Nodes of a test cluster in this JVM, configured as STACK.md says: one system name, several
 * cluster MBeans allowed, no JVM exit, every message serialized even when local, and Split Brain
 * Resolver timings short enough for a test.
 */
final class TestNodes {

    static final String BASE = """
            pekko {
              loglevel = WARNING
              loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
              logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor.provider = cluster
              actor.serialize-messages = on
              actor.serialize-creators = off
              remote.artery.canonical.hostname = "127.0.0.1"
              remote.artery.canonical.port = 0
              cluster {
                jmx.multi-mbeans-in-same-jvm = on
                downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                split-brain-resolver.stable-after = 2s
                failure-detector.acceptable-heartbeat-pause = 1s
                failure-detector.heartbeat-interval = 200ms
                unreachable-nodes-reaper-interval = 250ms
                gossip-interval = 200ms
                leader-actions-interval = 200ms
                singleton.hand-over-retry-interval = 200ms
                singleton-proxy.singleton-identification-interval = 200ms
              }
              coordinated-shutdown.exit-jvm = off
            }
            gantry.scheduler {
              tick-interval = 200ms
              ask-timeout = 10s
            }
            """;

    private TestNodes() {
    }

    /** A node's config: roles, the shared journal, and any overrides (highest precedence). */
    static Config config(JournalSettings journal, String roles, Map<String, ?> overrides) {
        return ConfigFactory.parseMap(overrides)
                .withFallback(ConfigFactory.parseString("pekko.cluster.roles = [" + roles + "]"))
                .withFallback(journal.pekkoConfig())
                .withFallback(ConfigFactory.parseString(BASE))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    static ActorSystem<Void> start(Config config) {
        return ActorSystem.create(Behaviors.empty(), "gantry", config);
    }

    /** One node, joined to itself, with the scheduler singleton; returns the proxy. */
    static ActorRef<Object> startScheduler(ActorSystem<?> system) {
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        return SchedulerSingleton.init(system, SchedulerSettings.from(system.settings().config()), Clock.systemUTC());
    }

    static JournalSettings h2(java.nio.file.Path dir) throws Exception {
        JournalSettings j = JournalSettings.h2(dir);
        JournalSchema.ensure(j);
        return j;
    }

    static SchedulerClient client(ActorSystem<?> system, ActorRef<Object> proxy) {
        return new SchedulerClient(SchedulerSingleton.commands(proxy), Duration.ofSeconds(10), system);
    }

    static void awaitUp(ActorSystem<?> system) {
        await(Duration.ofSeconds(20), "node up", () -> Cluster.get(system).selfMember().status() == MemberStatus.up());
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("actor system did not terminate", e);
        }
    }
}
