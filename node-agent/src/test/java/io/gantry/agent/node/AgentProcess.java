package io.gantry.agent.node;

import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerView;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * A node agent in its own JVM, for {@link AgentKillTest}: starts the agent on a data directory,
 * creates the containers the test wants (one that keeps running and logging, one that ends
 * after a while, one that is still waiting to restart), writes their ids to a file, then idles
 * until it is killed with SIGKILL. Args: data directory, ids file.
 */
public final class AgentProcess {

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        RealNode node = RealNode.start(data);
        ContainerView ticker = node.create(ContainerRequest.builder(RealNode.IMAGE).name("ticker")
                .cmd("sh", "-c", "trap 'echo bye; exit 143' TERM; i=0; while true; do echo tick-$i; i=$((i+1)); usleep 100000; done")
                .build());
        ContainerView shortLived = node.create(ContainerRequest.builder(RealNode.IMAGE).name("short")
                .cmd("sh", "-c", "echo started; sleep 2; exit 4").build());
        node.awaitView(ticker.id(), v -> v.pid() > 0, java.time.Duration.ofSeconds(30));
        node.awaitView(shortLived.id(), v -> v.pid() > 0, java.time.Duration.ofSeconds(30));
        Path tmp = Path.of(args[1] + ".tmp");
        Files.writeString(tmp, ticker.id() + "\n" + shortLived.id() + "\n");
        Files.move(tmp, Path.of(args[1]), StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(TimeUnit.HOURS.toMillis(1));
    }
}
