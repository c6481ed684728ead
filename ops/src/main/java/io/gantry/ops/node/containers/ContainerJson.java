package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.snapshot.Change;
import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.scheduler.api.ApiJson;

import java.time.Instant;
import java.util.Optional;
import java.util.TreeMap;

/** The JSON shapes of the container API (documented in containers.openapi.json). */
final class ContainerJson {

    private ContainerJson() {
    }

    static ObjectNode view(ContainerView v) {
        ObjectNode o = ApiJson.MAPPER.createObjectNode();
        o.put("id", v.id());
        o.put("name", v.name());
        o.put("image", v.image());
        v.imageDigest().ifPresent(d -> o.put("imageDigest", d));
        o.put("state", v.phase().text());
        o.put("createdAt", v.createdAt().toString());
        time(o, "startedAt", v.startedAt());
        time(o, "finishedAt", v.finishedAt());
        if (v.pid() > 0) {
            o.put("pid", v.pid());
        }
        if (v.exit().isPresent()) {
            ExitStatus e = v.exit().get();
            o.put("exitCode", e.code());
            o.put("signal", e.signal());
            o.put("oomKilled", e.oomKilled());
        }
        if (!v.exitDetail().isEmpty()) {
            o.put("exitDetail", v.exitDetail());
        }
        o.put("restartCount", v.restartCount());
        o.put("crashLooping", v.crashLooping());
        time(o, "nextRestartAt", v.nextRestartAt());
        if (!v.message().isEmpty()) {
            o.put("message", v.message());
        }
        v.allocation().ifPresent(a -> o.put("allocationId", a.value()));
        o.put("autoRemove", v.autoRemove());
        o.put("stopRequested", v.stopRequested());
        ArrayNode cmd = o.putArray("command");
        v.command().forEach(cmd::add);
        o.set("config", config(v.spec()));
        return o;
    }

    /** What the container was asked to run with, in the request's own words. */
    static ObjectNode config(JobSpec s) {
        ObjectNode c = ApiJson.MAPPER.createObjectNode();
        s.entrypoint().ifPresent(e -> {
            ArrayNode a = c.putArray("entrypoint");
            e.forEach(a::add);
        });
        s.command().ifPresent(e -> {
            ArrayNode a = c.putArray("cmd");
            e.forEach(a::add);
        });
        ObjectNode env = c.putObject("env");
        new TreeMap<>(s.env()).forEach(env::put);
        ArrayNode volumes = c.putArray("volumes");
        for (Volume v : s.volumes()) {
            volumes.addObject().put("type", v.type().text()).put("source", v.source()).put("target", v.target())
                    .put("readOnly", v.readOnly());
        }
        c.put("restart", s.restart().format());
        c.put("memory", s.resources().memoryBytes());
        c.put("cpus", s.resources().cpuMillis() / 1000.0);
        s.resources().pids().ifPresent(p -> c.put("pids", p));
        c.put("network", s.network().text());
        s.user().ifPresent(u -> c.put("user", u));
        s.workingDir().ifPresent(w -> c.put("workdir", w));
        c.put("stopTimeout", s.stopTimeout().toSeconds());
        return c;
    }

    static ObjectNode changes(ChangeSet changes) {
        ObjectNode o = ApiJson.MAPPER.createObjectNode();
        ArrayNode a = o.putArray("changes");
        for (Change c : changes.changes()) {
            a.addObject().put("kind", String.valueOf(c.kind().letter())).put("path", c.path());
        }
        return o;
    }

    private static void time(ObjectNode o, String field, Optional<Instant> t) {
        t.ifPresent(i -> o.put(field, i.toString()));
    }
}
