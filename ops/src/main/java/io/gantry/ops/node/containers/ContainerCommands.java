package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CliException;
import io.gantry.ops.cli.Command;
import io.gantry.ops.cli.CommandGroup;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import io.gantry.ops.client.ClientCommand;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.GantryClient;
import io.gantry.scheduler.api.ApiJson;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code gantry container …}: a node's containers from the command line, in {@code docker}'s
 * words (run, ls, logs, stop, rm, inspect, diff, commit). Every command talks to the node at
 * {@code --addr} with the token of $GANTRY_TOKEN or {@code --data-dir}/token.
 *
 * <p>{@code run} without {@code -d} behaves like {@code docker run}: it streams the container's
 * output (stdout to stdout, stderr to stderr) until the container has ended and exits with the
 * container's exit code, 125 when it could not be started; {@code --rm} then removes it.
 */
public final class ContainerCommands {

    static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** What {@code run} exits with when the container never ran (as docker run does). */
    static final int COULD_NOT_RUN = 125;

    private ContainerCommands() {
    }

    public static CommandGroup group() {
        CommandGroup g = new CommandGroup("container",
                "run and manage a node's containers: run, ls, logs, stop, rm, inspect, diff, commit");
        g.add(new Run());
        g.add(new Ls());
        g.add(new Logs());
        g.add(new Stop());
        g.add(new Rm());
        g.add(new Simple("inspect", "show a container's state, last exit, restarts and config as JSON", "ID") {
            @Override
            int run(GantryClient client, List<String> ids, ParsedArgs args, CliContext ctx) throws Exception {
                ctx.out().println(pretty(client.get(path(ids.get(0), ""))));
                return 0;
            }
        });
        g.add(new Simple("diff", "list what a container changed in its file system (A added, C changed, D deleted)", "ID") {
            @Override
            int run(GantryClient client, List<String> ids, ParsedArgs args, CliContext ctx) throws Exception {
                for (JsonNode c : client.get(path(ids.get(0), "/diff")).path("changes")) {
                    ctx.out().println(c.path("kind").asText() + " " + c.path("path").asText());
                }
                return 0;
            }
        });
        g.add(new Commit());
        return g;
    }

    /** A client command with the container commands' timeout; its client is built before it runs. */
    private abstract static class ContainerCommand extends ClientCommand {
        ContainerCommand(String name, String summary, String arguments, int min, int max, OptionSpec... own) {
            super(name, summary, arguments, min, max, own);
        }

        // Always a space after "[options]" (also for ls, which takes none): the usage line as it has been.
        @Override
        public String arguments() {
            return "[options] " + positionalSynopsis();
        }

        @Override
        protected int runChecked(ParsedArgs args, CliContext ctx) throws Exception {
            return run(new GantryClient(ClientTarget.resolve(args, ctx), TIMEOUT), args.positionals(), args, ctx);
        }

        abstract int run(GantryClient client, List<String> positionals, ParsedArgs args, CliContext ctx) throws Exception;
    }

    private abstract static class Simple extends ContainerCommand {
        Simple(String name, String summary, String arguments) {
            super(name, summary, arguments, 1, 1);
        }
    }

    // ------------------------------------------------------------------ run

    static final class Run extends ContainerCommand {
        Run() {
            super("run", "create and start a container (pulling its image if needed); without -d, stream its output"
                            + " and exit with its exit code", "IMAGE [COMMAND [ARG...]]", 1, Integer.MAX_VALUE,
                    OptionSpec.flag("detach", "run in the background and print the container's id").withShort("d"),
                    OptionSpec.flag("rm", "remove the container once it has ended"),
                    OptionSpec.value("name", "NAME", "the container's name"),
                    OptionSpec.value("restart", "POLICY", "no, on-failure[:MAX], always, unless-stopped (default no)"),
                    OptionSpec.value("env", "KEY=VALUE", "set an environment variable (repeatable; KEY alone takes it from here)").withShort("e"),
                    OptionSpec.value("volume", "SRC:DST[:ro]", "mount a host directory or a named volume (repeatable)").withShort("v"),
                    OptionSpec.value("memory", "SIZE", "memory limit, e.g. 64m or 1g"),
                    OptionSpec.value("cpus", "N", "cpu limit, e.g. 0.5"),
                    OptionSpec.value("pids", "N", "limit on the number of processes"),
                    OptionSpec.value("network", "MODE", "host (default) or none"),
                    OptionSpec.value("entrypoint", "CMD", "replace the image's entrypoint"),
                    OptionSpec.value("user", "USER[:GROUP]", "run as this user (name or uid)"),
                    OptionSpec.value("workdir", "DIR", "working directory inside the container"));
        }

        @Override
        public boolean optionsBeforePositionals() {
            return true;
        }

        @Override
        public String description() {
            return summary() + ".\nOptions come before IMAGE; everything after IMAGE is the container's command line.";
        }

        @Override
        int run(GantryClient client, List<String> positionals, ParsedArgs args, CliContext ctx) throws Exception {
            boolean detach = args.flag("detach");
            boolean rm = args.flag("rm");
            ObjectNode body = request(positionals, args, ctx);
            body.put("autoRemove", rm && detach); // attached: the CLI removes it after reading its exit
            JsonNode created = client.post("/v1/containers", body);
            String id = created.path("id").asText();
            if (detach) {
                ctx.out().println(id);
                return 0;
            }
            client.stream(path(id, "/logs?follow=true"), "application/x-ndjson", line -> print(line, ctx));
            JsonNode end = client.get(path(id, ""));
            int code;
            if (end.has("exitCode")) {
                code = end.path("exitCode").asInt();
                if (end.path("oomKilled").asBoolean(false)) {
                    ctx.err().println("gantry: container " + shortId(id) + " was killed for exceeding its memory limit (OOM)");
                }
            } else {
                ctx.err().println("gantry: container " + shortId(id) + " did not run: "
                        + end.path("message").asText(end.path("exitDetail").asText("state " + end.path("state").asText())));
                code = COULD_NOT_RUN;
            }
            if (rm) {
                client.delete(path(id, "?force=true"));
            }
            return code;
        }

        static ObjectNode request(List<String> positionals, ParsedArgs args, CliContext ctx) throws UsageException {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("image", positionals.get(0));
            if (positionals.size() > 1) {
                ArrayNode cmd = body.putArray("cmd");
                positionals.subList(1, positionals.size()).forEach(cmd::add);
            }
            args.value("name").ifPresent(v -> body.put("name", v));
            args.value("restart").ifPresent(v -> body.put("restart", v));
            args.value("memory").ifPresent(v -> body.put("memory", v));
            args.value("cpus").ifPresent(v -> body.put("cpus", v));
            if (args.value("pids").isPresent()) {
                try {
                    body.put("pids", Long.parseLong(args.value("pids").get()));
                } catch (NumberFormatException e) {
                    throw new UsageException("--pids takes a whole number, got '" + args.value("pids").get() + "'");
                }
            }
            args.value("network").ifPresent(v -> body.put("network", v));
            args.value("entrypoint").ifPresent(v -> body.putArray("entrypoint").add(v));
            args.value("user").ifPresent(v -> body.put("user", v));
            args.value("workdir").ifPresent(v -> body.put("workdir", v));
            ObjectNode env = body.putObject("env");
            for (String e : args.values("env")) {
                int eq = e.indexOf('=');
                if (eq == 0) {
                    throw new UsageException("-e takes KEY=VALUE or KEY, got '" + e + "'");
                }
                if (eq < 0) {
                    String here = ctx.env().get(e);
                    if (here != null) {
                        env.put(e, here); // docker run -e KEY: the value from the caller's environment
                    }
                } else {
                    env.put(e.substring(0, eq), e.substring(eq + 1));
                }
            }
            ArrayNode volumes = body.putArray("volumes");
            for (String v : args.values("volume")) {
                String source = v.split(":", 2)[0];
                if (source.startsWith("./") || source.startsWith("../") || source.equals(".")) {
                    // a relative host path means the caller's directory, as with docker -v ./data:/data
                    v = ctx.cwd().resolve(Path.of(source)).normalize() + v.substring(source.length());
                }
                volumes.add(v);
            }
            return body;
        }
    }

    // ------------------------------------------------------------------ ls

    /**
     * {@code gantry ps}: short for {@code gantry container ls}. A job's allocations on this node
     * are containers named after the allocation, so they are listed too.
     */
    public static Command ps() {
        return new Ls("ps", "short for 'gantry container ls': the node's running containers, jobs' allocations among them");
    }

    static final class Ls extends ContainerCommand {
        Ls() {
            this("ls", "list the node's containers (running ones; --all for those that ended too)");
        }

        Ls(String name, String summary) {
            super(name, summary, "", 0, 0,
                    OptionSpec.flag("all", "also containers that have ended").withShort("a"),
                    OptionSpec.flag("json", "print the server's JSON"));
        }

        @Override
        int run(GantryClient client, List<String> positionals, ParsedArgs args, CliContext ctx) throws Exception {
            JsonNode list = client.get("/v1/containers" + (args.flag("all") ? "?all=true" : ""));
            if (args.flag("json")) {
                ctx.out().println(pretty(list.path("containers")));
                return 0;
            }
            Instant now = Instant.now();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"});
            for (JsonNode c : list.path("containers")) {
                List<String> cmd = new ArrayList<>();
                c.path("command").forEach(a -> cmd.add(a.asText()));
                String command = "\"" + truncate(String.join(" ", cmd), 20) + "\"";
                rows.add(new String[] {shortId(c.path("id").asText()), truncate(c.path("image").asText(), 30), command,
                        ago(Instant.parse(c.path("createdAt").asText()), now), status(c, now), c.path("name").asText()});
            }
            printTable(rows, ctx.out());
            return 0;
        }
    }

    /** Docker's STATUS column: "Up 3 seconds", "Exited (3) 2 minutes ago", "Restarting (2) in 1s". */
    static String status(JsonNode c, Instant now) {
        String state = c.path("state").asText();
        return switch (state) {
            case "running" -> "Up " + human(java.time.Duration.between(instant(c, "startedAt", now), now));
            case "stopping" -> "Stopping";
            case "exited" -> "Exited (" + (c.has("exitCode") ? c.path("exitCode").asText() : "?") + ") "
                    + ago(instant(c, "finishedAt", now), now) + (c.path("oomKilled").asBoolean(false) ? ", OOM killed" : "");
            case "failed" -> "Failed: " + truncate(c.path("message").asText(""), 40);
            case "backoff" -> (c.path("crashLooping").asBoolean(false) ? "CrashLoopBackOff" : "Restarting") + " ("
                    + c.path("restartCount").asInt() + ")"
                    + (c.has("nextRestartAt") ? " in " + human(java.time.Duration.between(now, instant(c, "nextRestartAt", now))) : "");
            default -> Character.toUpperCase(state.charAt(0)) + state.substring(1);
        };
    }

    // ------------------------------------------------------------------ logs, stop, rm, commit

    static final class Logs extends ContainerCommand {
        Logs() {
            super("logs", "print a container's output (stdout to stdout, stderr to stderr)", "ID", 1, 1,
                    OptionSpec.flag("follow", "keep printing what it writes until it has ended").withShort("f"),
                    OptionSpec.value("tail", "N", "only the last N lines (default all)"));
        }

        @Override
        int run(GantryClient client, List<String> positionals, ParsedArgs args, CliContext ctx) throws Exception {
            StringBuilder query = new StringBuilder();
            if (args.flag("follow")) {
                query.append("follow=true");
            }
            if (args.value("tail").isPresent()) {
                query.append(query.length() > 0 ? "&" : "").append("tail=")
                        .append(URLEncoder.encode(args.value("tail").get(), StandardCharsets.UTF_8));
            }
            client.stream(path(positionals.get(0), "/logs" + (query.length() > 0 ? "?" + query : "")), "application/x-ndjson",
                    line -> print(line, ctx));
            return 0;
        }
    }

    static final class Stop extends ContainerCommand {
        Stop() {
            super("stop", "stop a container: its stop signal, then SIGKILL after the grace period", "ID...", 1, Integer.MAX_VALUE,
                    OptionSpec.value("time", "SECS", "seconds to wait before SIGKILL (default: the container's, 10)").withShort("t"));
        }

        @Override
        int run(GantryClient client, List<String> ids, ParsedArgs args, CliContext ctx) throws Exception {
            String t = args.value("time").map(v -> "?t=" + URLEncoder.encode(v, StandardCharsets.UTF_8)).orElse("");
            GantryClient patient = new GantryClient(client.target(), TIMEOUT.plus(Duration.ofHours(1)));
            for (String id : ids) {
                patient.post(path(id, "/stop" + t), new byte[0]);
                ctx.out().println(id);
            }
            return 0;
        }
    }

    static final class Rm extends ContainerCommand {
        Rm() {
            super("rm", "remove containers (their writable layer, bundle and logs; volumes stay)", "ID...", 1, Integer.MAX_VALUE,
                    OptionSpec.flag("force", "kill a container that still runs first").withShort("f"));
        }

        @Override
        int run(GantryClient client, List<String> ids, ParsedArgs args, CliContext ctx) throws Exception {
            for (String id : ids) {
                client.delete(path(id, args.flag("force") ? "?force=true" : ""));
                ctx.out().println(id);
            }
            return 0;
        }
    }

    static final class Commit extends ContainerCommand {
        Commit() {
            super("commit", "make a new image from a container's image and its changes", "ID REFERENCE", 2, 2,
                    OptionSpec.value("message", "TEXT", "a note for the image's history").withShort("m"));
        }

        @Override
        int run(GantryClient client, List<String> positionals, ParsedArgs args, CliContext ctx) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode().put("reference", positionals.get(1));
            args.value("message").ifPresent(m -> body.put("comment", m));
            JsonNode image = client.post(path(positionals.get(0), "/commit"), body);
            ctx.out().println(image.path("reference").asText() + " " + image.path("digest").asText());
            return 0;
        }
    }

    // ------------------------------------------------------------------ helpers

    static String path(String id, String suffix) {
        return "/v1/containers/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + suffix;
    }

    /** One NDJSON log entry: its text to stdout or stderr, as the container wrote it. */
    static void print(String line, CliContext ctx) {
        if (line.isBlank()) {
            return;
        }
        try {
            JsonNode e = ApiJson.MAPPER.readTree(line);
            PrintStream to = "stderr".equals(e.path("stream").asText()) ? ctx.err() : ctx.out();
            to.print(e.path("log").asText());
            to.flush();
        } catch (java.io.IOException ex) {
            ctx.err().println(line);
        }
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    static String pretty(JsonNode json) throws CliException {
        try {
            return ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (java.io.IOException e) {
            throw new CliException("cannot print the answer: " + e.getMessage(), e);
        }
    }

    static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static Instant instant(JsonNode c, String field, Instant fallback) {
        return c.has(field) ? Instant.parse(c.path(field).asText()) : fallback;
    }

    static String ago(Instant then, Instant now) {
        return human(java.time.Duration.between(then, now)) + " ago";
    }

    static String human(java.time.Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) {
            return "less than a second";
        }
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        long m = s / 60;
        if (m < 60) {
            return m + (m == 1 ? " minute" : " minutes");
        }
        long h = m / 60;
        if (h < 48) {
            return h + (h == 1 ? " hour" : " hours");
        }
        return (h / 24) + " days";
    }

    static void printTable(List<String[]> rows, PrintStream out) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(r[i]);
                if (i < cols - 1) {
                    sb.append(" ".repeat(width[i] - r[i].length() + 3));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
