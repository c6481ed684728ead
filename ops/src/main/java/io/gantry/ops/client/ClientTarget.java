package io.gantry.ops.client;

import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a CLI command finds its server and token. Address: {@code --addr} >
 * {@code GANTRY_ADDR} > {@value #DEFAULT_ADDR}. Token: {@code GANTRY_TOKEN} > the
 * {@code token} file of {@code --data-dir} (default {@code ./gantry-data}, what a local
 * {@code gantry server} writes) > none.
 */
public record ClientTarget(URI address, Optional<String> token, String tokenSource) {
  public static final String DEFAULT_ADDR = "http://127.0.0.1:7070";

  /** The options every client command accepts. */
  public static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.value("addr", "URL", "server address (default $GANTRY_ADDR, else " + DEFAULT_ADDR + ")"),
      OptionSpec.value("data-dir", "DIR", "read the token from DIR/token when $GANTRY_TOKEN is unset (default ./gantry-data)"));

  public static ClientTarget resolve(ParsedArgs args, CliContext ctx) throws UsageException {
    Optional<String> flag = args.value("addr");
    String raw = flag.orElseGet(() -> ctx.env("GANTRY_ADDR", DEFAULT_ADDR));
    URI address = parseAddress(raw, flag.isPresent() ? "--addr" : "GANTRY_ADDR");

    String envToken = ctx.env().get("GANTRY_TOKEN");
    if (envToken != null && !envToken.isBlank()) {
      return new ClientTarget(address, Optional.of(envToken.trim()), "GANTRY_TOKEN");
    }
    Path dataDir = ctx.cwd().resolve(args.value("data-dir").orElse("gantry-data"));
    Path tokenFile = dataDir.resolve("token");
    try {
      if (Files.isReadable(tokenFile)) {
        String token = Files.readString(tokenFile).trim();
        if (!token.isEmpty()) {
          return new ClientTarget(address, Optional.of(token), tokenFile.toString());
        }
      }
    } catch (IOException e) {
      // Unreadable token file: carry on without one; a call that needs it gets a 401 that says so.
    }
    return new ClientTarget(address, Optional.empty(), "none (set GANTRY_TOKEN or --data-dir)");
  }

  static URI parseAddress(String raw, String source) throws UsageException {
    try {
      URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new UsageException(source + " must be an http(s) URL such as " + DEFAULT_ADDR + ", got '" + raw + "'");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new UsageException(source + " is not a URL: '" + raw + "' (" + e.getReason() + ")");
    }
  }

  /** "127.0.0.1:7070", the way error messages name the server. */
  public String hostPort() {
    int port = address.getPort() >= 0 ? address.getPort() : (address.getScheme().equals("https") ? 443 : 80);
    return address.getHost() + ":" + port;
  }
}
