package io.gantry.scheduler.api;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.HttpCredentials;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The bearer-token check in front of every REST call but health. One shared token per
 * cluster (from config or the data directory's {@code token} file).
 *
 * <p>Tokens are compared as SHA-256 hashes with {@link MessageDigest#isEqual}: constant time,
 * and equal-length inputs, so neither the position of the first wrong byte nor the token's
 * length leaks through timing.
 */
public final class BearerTokenAuth {
  public static final String REALM = "gantry";

  private final byte[] expectedHash;

  public BearerTokenAuth(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the API token must not be empty");
    }
    this.expectedHash = sha256(token);
  }

  public boolean accepts(String presented) {
    return presented != null && MessageDigest.isEqual(expectedHash, sha256(presented));
  }

  /** {@code inner} when the request carries the token; a 401 problem otherwise. */
  public Route require(Supplier<Route> inner) {
    return extractRequest(request -> {
      Optional<Authorization> header = request.getHeader(Authorization.class);
      if (header.isEmpty()) {
        return unauthorized("this request needs the header 'Authorization: Bearer <token>'; "
            + "the token is in the server's data directory, file 'token'", false);
      }
      HttpCredentials credentials = header.get().credentials();
      if (!"bearer".equalsIgnoreCase(credentials.scheme())) {
        return unauthorized("expected the Bearer authorization scheme, got " + credentials.scheme(), false);
      }
      if (!accepts(credentials.token())) {
        return unauthorized("the bearer token is not valid for this server", true);
      }
      return inner.get();
    });
  }

  private static Route unauthorized(String detail, boolean invalidToken) {
    HttpChallenge challenge = invalidToken
        ? HttpChallenge.create("Bearer", REALM, Map.of("error", "invalid_token"))
        : HttpChallenge.create("Bearer", REALM);
    return ApiErrorHandling.problemResponse(
        Problem.of(401, Problem.UNAUTHORIZED, "Unauthorized", detail),
        response -> response.addHeader(WWWAuthenticate.create(challenge)));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
