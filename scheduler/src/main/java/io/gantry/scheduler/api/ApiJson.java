package io.gantry.scheduler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** The JSON side of the REST API: one mapper, the two content types, response helpers. */
public final class ApiJson {
  /** Shared and thread-safe once configured. Unknown fields are ignored (forward compatible). */
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL));

  public static final MediaType.WithFixedCharset PROBLEM_JSON_MEDIA_TYPE =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8);
  public static final ContentType PROBLEM_JSON = PROBLEM_JSON_MEDIA_TYPE.toContentType();
  public static final ContentType JSON = ContentTypes.APPLICATION_JSON;

  private ApiJson() {}

  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** A 200 (or other status) response with {@code value} as application/json. */
  public static HttpResponse ok(int status, Object value) {
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(JSON, bytes(value)));
  }

  public static HttpResponse problem(Problem problem) {
    return HttpResponse.create()
        .withStatus(StatusCodes.get(problem.status()))
        .withEntity(HttpEntities.create(PROBLEM_JSON, bytes(problem)));
  }
}
