package io.gantry.ops.server;

import ch.qos.logback.classic.LoggerContext;
import io.gantry.agent.image.ImageService;
import io.gantry.ops.GantryVersion;
import io.gantry.ops.node.images.NodeImages;
import io.gantry.scheduler.actor.SchedulerSettings;
import io.gantry.scheduler.actor.SchedulerSingleton;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.ApiRoutes;
import io.gantry.scheduler.api.HealthModule;
import io.gantry.scheduler.api.HealthReport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Gantry node: its ActorSystem (named "gantry", a cluster member with the
 * node's roles) and its REST API.
 *
 * <p>Start order: data directory → log file → token → each role prepares (the scheduler role:
 * the journal's tables) → ActorSystem and cluster join → the scheduler singleton's proxy (on
 * every node) → each role starts ({@link NodeRole}: the scheduler role adds the jobs API) →
 * HTTP bind. Anything that fails undoes what was
 * started before it. Shutdown is Pekko's
 * coordinated shutdown, which unbinds HTTP first (in-flight requests get
 * {@code gantry.http.shutdown-deadline} to finish), then leaves the cluster, then stops
 * the actors. A node with no seed nodes joins itself: an all-in-one node is a one-member
 * cluster, so the same code paths run on a laptop and in a lab.
 */
public final class GantryServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GantryServer.class);

  /** Why a node was asked to stop by its operator (Ctrl-C, SIGTERM, {@link #close()}). */
  public static final CoordinatedShutdown.Reason STOP_REQUESTED = new CoordinatedShutdown.Reason() {
    @Override
    public String toString() {
      return "stop requested";
    }
  };

  private final GantrySettings settings;
  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final String token;
  private final Optional<Path> tokenFile;
  private final ApiRoutes api;
  private final ActorRef<Object> scheduler;

  private GantryServer(GantrySettings settings, ActorSystem<Void> system, ServerBinding binding, String token,
                       Optional<Path> tokenFile, ApiRoutes api, ActorRef<Object> scheduler) {
    this.settings = settings;
    this.system = system;
    this.binding = binding;
    this.token = token;
    this.tokenFile = tokenFile;
    this.api = api;
    this.scheduler = scheduler;
  }

  /** The roles this build can run: the scheduler (jobs API, the singleton) and the agent (containers). */
  public static Map<String, NodeRole> standardRoles() {
    return Map.of("scheduler", new SchedulerRole(), "agent", new AgentRole());
  }

  public static GantryServer start(GantryConfig.Loaded loaded) throws ServerStartException {
    return start(loaded, standardRoles());
  }

  public static GantryServer start(GantryConfig.Loaded loaded, Map<String, NodeRole> roles)
      throws ServerStartException {
    GantrySettings s = loaded.settings();
    Instant started = Instant.now();
    try {
      Files.createDirectories(s.dataDir());
    } catch (IOException e) {
      throw new ServerStartException("cannot create data directory " + s.dataDir() + ": " + e.getMessage(), e);
    }
    LogFormat logFormat = LogFormat.from(loaded.config());
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      logFormat.applyToConsole(context);
    }
    LogFiles logFile = null;
    if (s.logToFile()) {
      try {
        Files.createDirectories(s.logsDir());
      } catch (IOException e) {
        throw new ServerStartException("cannot create log directory " + s.logsDir() + ": " + e.getMessage(), e);
      }
      logFile = LogFiles.attach(s.logsDir(), logFormat);
    }
    ActorSystem<Void> system = null;
    try {
      String token;
      Optional<Path> tokenFile;
      if (s.token().isPresent()) {
        token = s.token().get();
        tokenFile = Optional.empty();
      } else {
        try {
          token = TokenFile.loadOrCreate(s.tokenFile());
          tokenFile = Optional.of(s.tokenFile());
        } catch (IOException e) {
          throw new ServerStartException("cannot read or create the API token " + s.tokenFile() + ": " + e.getMessage(), e);
        }
      }

      for (String role : s.roles()) {
        NodeRole r = roles.get(role);
        if (r != null) {
          r.prepare(s, loaded.config());
        }
      }
      try {
        system = ActorSystem.create(Behaviors.empty(), "gantry", loaded.config());
      } catch (RuntimeException e) {
        throw new ServerStartException("cannot start the node on cluster address " + s.cluster() + ": "
            + rootMessage(e), e);
      }
      Cluster cluster = Cluster.get(system);
      if (s.seedNodes().isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }

      // Every node has the proxy: agents register through it, REST calls ask through it.
      ActorRef<Object> scheduler = SchedulerSingleton.init(system, SchedulerSettings.from(loaded.config()),
          Clock.systemUTC());
      // the agent's images (image API, peer registry) serve whether or not the agent role's actors run;
      // the agent role runs its containers on them
      List<ApiModule> imageModules = new ArrayList<>();
      Optional<ImageService> images = Optional.empty();
      if (s.roles().contains("agent")) {
        NodeImages opened = NodeImagesWiring.open(loaded.config(), s.dataDir(), token, system);
        imageModules.addAll(opened.modules());
        images = Optional.of(opened.service());
      }
      // the node's address is known once HTTP is bound (a port of 0 picks one); agents tell the scheduler later
      CompletableFuture<String> httpAddress = new CompletableFuture<>();
      NodeContext context = new NodeContext(system, s, loaded.config(), scheduler, images, httpAddress, token);

      String version = GantryVersion.current().versionOrDev();
      ActorSystem<Void> sys = system;
      List<ApiModule> modules = new ArrayList<>();
      modules.add(new HealthModule(() -> health(sys, s, version, started)));
      for (String role : s.roles()) {
        NodeRole r = roles.get(role);
        if (r == null) {
          log.warn("role '{}' is not wired into this build yet: this node runs no containers, and jobs stay"
              + " pending until an agent registers", role);
          continue;
        }
        modules.addAll(r.start(context));
      }
      modules.addAll(imageModules);
      ApiRoutes api = ApiRoutes.compose(new ApiRoutes.Settings(token, s.maxRequestBytes(), version), modules);

      ServerBinding binding;
      try {
        binding = Http.get(system).newServerAt(s.http().host(), s.http().port()).bind(api.route())
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new ServerStartException("cannot serve HTTP on " + s.http() + ": " + rootMessage(e), e);
      }
      binding.addToCoordinatedShutdown(s.httpShutdownDeadline(), system);
      String host = s.http().host();
      httpAddress.complete("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + binding.localAddress().getPort());
      if (logFile != null) {
        LogFiles attached = logFile;
        system.getWhenTerminated().thenRun(attached::close);
      }
      log.info("node {} with roles {} serves HTTP on {}", cluster.selfMember().address(), s.roles(),
          binding.localAddress());
      return new GantryServer(s, system, binding, token, tokenFile, api, scheduler);
    } catch (ServerStartException | RuntimeException e) {
      if (system != null) {
        system.terminate();
        awaitQuietly(system);
      }
      if (logFile != null) {
        logFile.close();
      }
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (system != null) {
        system.terminate();
      }
      throw new ServerStartException("interrupted while starting", e);
    }
  }

  private static HealthReport health(ActorSystem<Void> system, GantrySettings s, String version, Instant started) {
    Cluster cluster = Cluster.get(system);
    Member self = cluster.selfMember();
    ClusterEvent.CurrentClusterState state = cluster.state();
    int members = (int) StreamSupport.stream(state.getMembers().spliterator(), false).count();
    String uptime = Duration.between(started, Instant.now()).truncatedTo(ChronoUnit.SECONDS).toString();
    return new HealthReport("ok", self.address().toString(), s.roles(), version, uptime,
        new HealthReport.Cluster(self.status().toString(), members, state.getUnreachable().size()));
  }

  public GantrySettings settings() {
    return settings;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public ApiRoutes api() {
    return api;
  }

  /** The proxy to the scheduler singleton (on every node, whatever its roles). */
  public ActorRef<Object> scheduler() {
    return scheduler;
  }

  public InetSocketAddress httpAddress() {
    return binding.localAddress();
  }

  /** The base URL of the REST API, with the port actually bound (port 0 in config = any). */
  public URI httpUri() {
    String host = settings.http().host();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + httpAddress().getPort());
  }

  public String token() {
    return token;
  }

  /** The token's file, or empty when the token comes from config. */
  public Optional<Path> tokenFile() {
    return tokenFile;
  }

  /** Runs coordinated shutdown (idempotent); completes when it is done. */
  public CompletionStage<Done> stop() {
    return CoordinatedShutdown.get(system).runAll(STOP_REQUESTED);
  }

  /** Blocks until the node has stopped, whoever stopped it. */
  public void awaitTermination() throws InterruptedException {
    try {
      system.getWhenTerminated().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("actor system terminated abnormally", e.getCause());
    }
  }

  /** Why the node stopped: empty while it runs or when it was not via coordinated shutdown. */
  public Optional<CoordinatedShutdown.Reason> shutdownReason() {
    return CoordinatedShutdown.get(system).getShutdownReason();
  }

  @Override
  public void close() {
    stop();
    awaitQuietly(system);
  }

  private static void awaitQuietly(ActorSystem<Void> system) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("the node did not stop cleanly within 60 s: {}", e.toString());
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
