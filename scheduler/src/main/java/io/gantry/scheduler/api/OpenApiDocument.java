package io.gantry.scheduler.api;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The OpenAPI 3.0 document of the whole REST API, assembled from hand-written fragments:
 * a base ({@code openapi-base.json}: info, the bearer security scheme, the Problem schema,
 * shared responses) plus one fragment per {@link ApiModule}. Hand-written because the
 * document is a contract users read; composition keeps each module's part next to its code.
 *
 * <p>Composition refuses a path documented twice, a component defined twice differently and
 * a {@code $ref} that points nowhere, so a broken document fails the server's start rather
 * than a client's code generator.
 */
public final class OpenApiDocument {
  private static final Set<String> HTTP_METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  private final ObjectNode root;

  private OpenApiDocument(ObjectNode root) {
    this.root = root;
  }

  public static OpenApiDocument compose(String version, List<JsonNode> fragments) {
    ObjectNode root = (ObjectNode) load(OpenApiDocument.class, "openapi-base.json");
    root.withObject("/info").put("version", version);
    ObjectNode paths = root.withObject("/paths");
    ObjectNode components = root.withObject("/components");
    for (JsonNode fragment : fragments) {
      fragment.path("paths").properties().forEach(e -> {
        if (paths.has(e.getKey())) {
          throw new IllegalStateException("OpenAPI path " + e.getKey() + " is documented twice");
        }
        paths.set(e.getKey(), e.getValue().deepCopy());
      });
      fragment.path("components").properties().forEach(section -> {
        ObjectNode target = components.withObject("/" + section.getKey());
        section.getValue().properties().forEach(c -> {
          JsonNode existing = target.get(c.getKey());
          if (existing != null && !existing.equals(c.getValue())) {
            throw new IllegalStateException("OpenAPI component " + section.getKey() + "/" + c.getKey()
                + " is defined twice, differently");
          }
          target.set(c.getKey(), c.getValue().deepCopy());
        });
      });
    }
    OpenApiDocument doc = new OpenApiDocument(root);
    List<String> dangling = doc.unresolvedReferences();
    if (!dangling.isEmpty()) {
      throw new IllegalStateException("OpenAPI document has $refs that point nowhere: " + dangling);
    }
    return doc;
  }

  /** Reads a JSON resource that sits next to {@code anchor}'s class file. */
  public static JsonNode load(Class<?> anchor, String resource) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource + " next to " + anchor.getName());
      }
      return ApiJson.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read OpenAPI resource " + resource, e);
    }
  }

  public JsonNode json() {
    return root.deepCopy();
  }

  public byte[] bytes() {
    return ApiJson.bytes(root);
  }

  /**
   * Every operation of the document as an endpoint; an operation whose own
   * {@code security} is an empty list is public, all others need the token (the document's
   * top-level {@code security} applies).
   */
  public Set<Endpoint> endpoints() {
    Set<Endpoint> out = new TreeSet<>();
    boolean tokenByDefault = root.path("security").size() > 0;
    root.path("paths").properties().forEach(path ->
        path.getValue().properties().forEach(op -> {
          if (!HTTP_METHODS.contains(op.getKey())) {
            return; // "parameters", "summary", ... on the path item
          }
          JsonNode security = op.getValue().get("security");
          boolean token = security == null ? tokenByDefault : security.size() > 0;
          out.add(new Endpoint(op.getKey(), path.getKey(),
              token ? Endpoint.Access.TOKEN : Endpoint.Access.PUBLIC));
        }));
    return out;
  }

  /** Local {@code $ref}s ("#/components/...") that do not resolve within the document. */
  public List<String> unresolvedReferences() {
    List<String> refs = new ArrayList<>();
    collectRefs(root, refs);
    List<String> dangling = new ArrayList<>();
    for (String ref : refs) {
      if (!ref.startsWith("#/") || root.at(JsonPointer.compile(ref.substring(1))).isMissingNode()) {
        dangling.add(ref);
      }
    }
    return dangling;
  }

  private static void collectRefs(JsonNode node, List<String> into) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> e : object.properties()) {
        if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
          into.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), into);
        }
      }
    } else if (node instanceof ArrayNode array) {
      array.forEach(child -> collectRefs(child, into));
    }
  }
}
