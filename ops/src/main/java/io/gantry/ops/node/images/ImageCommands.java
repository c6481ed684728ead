package io.gantry.ops.node.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CliException;
import io.gantry.ops.cli.CommandGroup;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import io.gantry.ops.client.ClientCommand;
import io.gantry.ops.client.ClientTarget;
import io.gantry.scheduler.api.ApiJson;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * {@code gantry image …}: the node image API from the command line. Every command talks to the
 * agent at {@code --addr} (default $GANTRY_ADDR, else http://127.0.0.1:7070) with the token of
 * $GANTRY_TOKEN or {@code --data-dir}/token. Paths are resolved against the current directory
 * and sent absolute: the node must see them (an all-in-one node on this machine does).
 * Errors are one line on stderr and exit 1.
 */
public final class ImageCommands {

    /** Long calls (pull without a stream, push, import, export, gc) may take this long. */
    static final Duration LONG = Duration.ofHours(1);
    static final Duration SHORT = Duration.ofMinutes(2);

    private ImageCommands() {
    }

    /** The {@code image} command group. */
    public static CommandGroup group() {
        return group(() -> System.console() != null);
    }

    /** With an explicit "is stdout a terminal" test, for tests. */
    public static CommandGroup group(BooleanSupplier terminal) {
        CommandGroup image = new CommandGroup("image",
                "manage the images of a node: pull, push, import, export, list, inspect, history, remove, gc, mount");
        image.add(new Pull(terminal));
        image.add(new Push());
        image.add(new Import());
        image.add(new Export());
        image.add(new Ls());
        image.add(new Inspect());
        image.add(new History());
        image.add(new Rm());
        image.add(new Gc());
        image.add(new MountCmd());
        image.add(new Unmount());
        return image;
    }

    /** A client command with a fixed number of positionals. */
    private abstract static class ImageCommand extends ClientCommand {
        ImageCommand(String name, String summary, String arguments, int positionals, OptionSpec... extra) {
            super(name, summary, arguments, positionals, positionals, extra);
        }

        @Override
        protected int runChecked(ParsedArgs args, CliContext ctx) throws Exception {
            return run(args, ctx, args.positionals());
        }

        abstract int run(ParsedArgs args, CliContext ctx, List<String> positional) throws Exception;

        ImagesClient client(ParsedArgs args, CliContext ctx, Duration timeout) throws UsageException {
            return new ImagesClient(ClientTarget.resolve(args, ctx), timeout);
        }

        static String absolute(CliContext ctx, String path) {
            return ctx.cwd().resolve(Path.of(path)).normalize().toString();
        }

        static void printJson(CliContext ctx, JsonNode node) throws Exception {
            ctx.out().println(ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        }
    }

    private static final class Pull extends ImageCommand {
        private final BooleanSupplier terminal;

        Pull(BooleanSupplier terminal) {
            super("pull", "pull an image onto the node, unpacked and ready to run", "REF", 1,
                    OptionSpec.flag("plain-http", "talk plain HTTP to the registry (never assumed)"),
                    OptionSpec.value("platform", "OS/ARCH", "the platform to pull (default: the node's)"));
            this.terminal = terminal;
        }

        @Override
        public String description() {
            return """
                    Pull an image onto the node: each layer from a peer that has it, else from the registry,
                    unpacked while it downloads and verified (blob digest and diff id). Shows one progress
                    line per layer.""";
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("reference", p.get(0));
            body.put("plainHttp", args.flag("plain-http"));
            args.value("platform").ifPresent(v -> body.put("platform", v));
            PullProgressView view = new PullProgressView(ctx.out(), terminal.getAsBoolean());
            JsonNode[] last = new JsonNode[1];
            client(args, ctx, LONG).stream("/v1/images/pull", body, line -> {
                if (line.has("status") && !line.has("layer")) {
                    last[0] = line;
                } else {
                    view.onEvent(line);
                }
            });
            if (last[0] == null) {
                throw new CliException("the pull of " + p.get(0) + " ended without a result (the server stopped?)");
            }
            if (last[0].path("status").asText().equals("error")) {
                throw new CliException("pull " + p.get(0) + ": " + ImagesClient.describe(last[0].path("error"), 0));
            }
            JsonNode r = last[0].path("result");
            ctx.out().printf(Locale.ROOT, "pulled %s (%s): %d layers, %s in %.1f s%n", r.path("reference").asText(),
                    r.path("digest").asText(), r.path("layers").size(), PullProgressView.size(r.path("size").asLong()),
                    r.path("seconds").asDouble());
            return 0;
        }
    }

    private static final class Push extends ImageCommand {
        Push() {
            super("push", "push a node's image to a registry", "SRC DST", 2,
                    OptionSpec.flag("plain-http", "talk plain HTTP to the registry (never assumed)"));
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("source", p.get(0));
            body.put("target", p.get(1));
            body.put("plainHttp", args.flag("plain-http"));
            JsonNode r = client(args, ctx, LONG).post("/v1/images/push", body);
            int uploaded = 0;
            int existed = 0;
            int mounted = 0;
            for (JsonNode outcome : r.path("blobs")) {
                switch (outcome.asText()) {
                    case "existed" -> existed++;
                    case "mounted" -> mounted++;
                    default -> uploaded++;
                }
            }
            String reference = r.path("reference").asText();
            String digest = r.path("digest").asText();
            ctx.out().printf("pushed %s: %d blobs uploaded, %d already there, %d mounted%n",
                    reference.endsWith(digest) ? reference : reference + " (" + digest + ")", uploaded, existed, mounted);
            return 0;
        }
    }

    private static final class Import extends ImageCommand {
        Import() {
            super("import", "import an OCI image layout (dir or tar) or a docker save archive", "PATH", 1);
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("path", absolute(ctx, p.get(0)));
            JsonNode r = client(args, ctx, LONG).post("/v1/images/import", body);
            for (JsonNode name : r.path("images")) {
                ctx.out().println("imported " + name.asText());
            }
            return 0;
        }
    }

    private static final class Export extends ImageCommand {
        Export() {
            super("export", "write an image as an OCI image layout into a directory", "REF DIR", 2);
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("reference", p.get(0));
            body.put("directory", absolute(ctx, p.get(1)));
            JsonNode r = client(args, ctx, LONG).post("/v1/images/export", body);
            ctx.out().println("exported " + r.path("reference").asText() + " to " + r.path("directory").asText());
            return 0;
        }
    }

    private static final class Ls extends ImageCommand {
        Ls() {
            super("ls", "list the node's images", "", 0, OptionSpec.flag("json", "print the server's JSON answer"));
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            JsonNode r = client(args, ctx, SHORT).get("/v1/images");
            if (args.flag("json")) {
                printJson(ctx, r);
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"REFERENCE", "DIGEST", "CREATED", "SIZE", "LAYERS"});
            for (JsonNode i : r.path("images")) {
                rows.add(new String[] {i.path("reference").asText(), PullProgressView.shortDigest(i.path("digest").asText()),
                        i.path("created").asText("-"), i.path("size").asLong() < 0 ? "-" : PullProgressView.size(i.path("size").asLong()),
                        i.path("layers").asInt() < 0 ? "-" : String.valueOf(i.path("layers").asInt())});
            }
            table(ctx, rows);
            return 0;
        }
    }

    private static final class Inspect extends ImageCommand {
        Inspect() {
            super("inspect", "show an image's manifest, config and layers (JSON)", "REF", 1,
                    OptionSpec.flag("json", "the same JSON (inspect always prints JSON)"));
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            printJson(ctx, client(args, ctx, SHORT).get(ImagesClient.refPath(p.get(0), "")));
            return 0;
        }
    }

    private static final class History extends ImageCommand {
        History() {
            super("history", "show an image's history, newest first", "REF", 1,
                    OptionSpec.flag("json", "print the server's JSON answer"));
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            JsonNode r = client(args, ctx, SHORT).get(ImagesClient.refPath(p.get(0), "/history"));
            if (args.flag("json")) {
                printJson(ctx, r);
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CREATED", "CREATED BY", "SIZE", "COMMENT"});
            for (JsonNode h : r.path("history")) {
                String by = h.path("createdBy").asText("");
                rows.add(new String[] {h.path("created").asText("-"), by.length() > 60 ? by.substring(0, 57) + "..." : by,
                        h.path("emptyLayer").asBoolean() ? "0 B" : PullProgressView.size(h.path("size").asLong()),
                        h.path("comment").asText("")});
            }
            table(ctx, rows);
            return 0;
        }
    }

    private static final class Rm extends ImageCommand {
        Rm() {
            super("rm", "remove an image's name (gc frees the bytes nothing else uses)", "REF", 1);
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            JsonNode r = client(args, ctx, SHORT).delete(ImagesClient.refPath(p.get(0), ""));
            ctx.out().println("removed " + r.path("removed").asText());
            return 0;
        }
    }

    private static final class Gc extends ImageCommand {
        Gc() {
            super("gc", "free blobs and unpacked layers no image, container or mount uses", "", 0,
                    OptionSpec.value("budget", "BYTES", "free down to this many bytes (default gantry.images.gc-budget)"));
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            String path = "/v1/images/gc";
            if (args.value("budget").isPresent()) {
                String budget = args.value("budget").get();
                if (!budget.matches("\\d+")) {
                    throw new UsageException("--budget takes a number of bytes, got '" + budget + "'");
                }
                path += "?budget=" + budget;
            }
            JsonNode r = client(args, ctx, LONG).post(path, ApiJson.MAPPER.createObjectNode());
            long blobs = 0;
            long layers = 0;
            for (JsonNode removed : r.path("removed")) {
                if (removed.path("kind").asText().equals("blob")) {
                    blobs++;
                } else {
                    layers++;
                }
            }
            ctx.out().printf("freed %s: %d blobs, %d unpacked layers; %s in use (budget %s)%n",
                    PullProgressView.size(r.path("bytesFreed").asLong()), blobs, layers,
                    PullProgressView.size(r.path("usageAfter").asLong()), PullProgressView.size(r.path("budget").asLong()));
            return 0;
        }
    }

    private static final class MountCmd extends ImageCommand {
        MountCmd() {
            super("mount", "mount a read-write snapshot of an image at a directory", "REF DIR", 2);
        }

        @Override
        public String description() {
            return """
                    Mount a read-write snapshot of an image at DIR (created when missing), like ctr image mount,
                    to look inside: writes go to the snapshot's own layer, never into the image.
                    'gantry image unmount DIR' unmounts it and drops those writes.""";
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("reference", p.get(0));
            body.put("directory", absolute(ctx, p.get(1)));
            JsonNode r = client(args, ctx, SHORT).post("/v1/images/mount", body);
            ctx.out().println("mounted " + r.path("reference").asText() + " at " + r.path("directory").asText());
            return 0;
        }
    }

    private static final class Unmount extends ImageCommand {
        Unmount() {
            super("unmount", "unmount what 'gantry image mount' mounted and remove its snapshot", "DIR", 1);
        }

        @Override
        int run(ParsedArgs args, CliContext ctx, List<String> p) throws Exception {
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            body.put("directory", absolute(ctx, p.get(0)));
            JsonNode r = client(args, ctx, SHORT).post("/v1/images/unmount", body);
            ctx.out().println("unmounted " + r.path("unmounted").asText());
            return 0;
        }
    }

    private static void table(CliContext ctx, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(c == columns - 1 ? row[c] : String.format("%-" + (width[c] + 3) + "s", row[c]));
            }
            ctx.out().println(line.toString().stripTrailing());
        }
    }
}
