package io.gantry.agent.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.gantry.agent.logs.LogSink;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in agent for {@link AgentKillTest}: starts one container with real runc, persists its
 * handle (as the agent's state/ records would), then idles until it is killed with SIGKILL.
 * Args: runtime root, bundle, container id, handle file, shim kind ("compiled" or "sh"), the
 * directory the compiled shim is installed in.
 */
public final class AgentProcessMain {

    public static void main(String[] args) throws Exception {
        Shim shim = Shim.select(args[4], Path.of(args[5]));
        OciCliRuntime runtime = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(Path.of(args[0]), shim));
        ContainerHandle h = runtime.start(new StartRequest(args[2], Path.of(args[1]), LogSink.discarding()));
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        Path tmp = Path.of(args[3] + ".tmp");
        Files.write(tmp, json.writeValueAsBytes(h));
        Files.move(tmp, Path.of(args[3]), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(Long.MAX_VALUE);
    }
}
