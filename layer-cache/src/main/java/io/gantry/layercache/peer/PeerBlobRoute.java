package io.gantry.layercache.peer;

import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.protocol.oci.Digest;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.head;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.reject;

/**
 * The read-only registry every agent serves to its peers: the blobs of its content store under
 * the OCI Distribution API's blob path, so a peer fetch is an ordinary registry blob GET and any
 * Distribution client (Gantry's, skopeo's) can read from an agent.
 *
 * <ul>
 *   <li>{@code GET /v2/}: the API version check, {@code 200 {}};</li>
 *   <li>{@code GET|HEAD /v2/<repository>/blobs/<digest>}: the blob, whatever the repository is
 *       (content is addressed by digest alone), with {@code Docker-Content-Digest},
 *       {@code Accept-Ranges: bytes} and single {@code Range: bytes=N-[M]} requests answered 206
 *       (416 when past the end), so an interrupted peer download resumes.</li>
 * </ul>
 * Unknown blobs are 404 {@code BLOB_UNKNOWN}, a malformed digest 400 {@code DIGEST_INVALID}, in the
 * Distribution error format. Manifests and uploads are not served: peers share layers, and an
 * image's manifest always comes from its registry (tags there are the truth).
 *
 * <p>HEAD is routed explicitly (Pekko's transparent HEAD is off by default).
 *
 * <p>Authentication is the caller's {@code guard} (the node's REST API wraps this in its bearer
 * check, so peers present the cluster token). Reading a blob counts as a use for gc.
 */
public final class PeerBlobRoute {

    private static final Pattern BLOB_PATH = Pattern.compile("^/(.+)/blobs/([^/]+)$");
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d+)-(\\d*)$");
    private static final int CHUNK = 256 * 1024;

    private PeerBlobRoute() {
    }

    /**
     * The {@code /v2/} route over {@code content}; {@code guard} wraps every matched request (the
     * bearer check), inside path and method matching so a wrong path stays 404 and a wrong method
     * 405 with or without a token.
     */
    public static Route route(ContentStore content, Function<Supplier<Route>, Route> guard) {
        return pathPrefix("v2", () -> concat(
                pathEndOrSingleSlash(() -> get(() -> guard.apply(() -> complete(versionCheck())))),
                extractUnmatchedPath(rest -> {
                    Matcher m = BLOB_PATH.matcher(rest);
                    if (!m.matches()) {
                        return reject();
                    }
                    String digest = m.group(2);
                    Supplier<Route> blob = () -> guard.apply(() -> extractRequest(request ->
                            complete(serve(content, digest, request.getHeader("Range").map(HttpHeader::value)))));
                    // HEAD: the same response; the server sends its headers only
                    return concat(get(blob), head(blob));
                })));
    }

    private static HttpResponse versionCheck() {
        return HttpResponse.create()
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, "{}"))
                .addHeader(RawHeader.create("Docker-Distribution-API-Version", "registry/2.0"));
    }

    /** The response to a blob GET; HEAD is answered from it by the server (transparent HEAD). */
    static HttpResponse serve(ContentStore content, String digestText, Optional<String> range) {
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (IllegalArgumentException e) {
            return error(400, "DIGEST_INVALID", "'" + digestText + "' is not a digest: " + e.getMessage());
        }
        BlobInfo info;
        try {
            Optional<BlobInfo> found = content.find(digest);
            if (found.isEmpty()) {
                return error(404, "BLOB_UNKNOWN", "blob " + digest + " is not on this node");
            }
            info = found.get();
        } catch (IOException e) {
            return error(500, "UNKNOWN", "cannot read blob " + digest + ": " + e.getMessage());
        }
        Path file = content.blobPath(digest);
        long size = info.size();
        long start = 0;
        long end = size - 1;
        boolean partial = false;
        if (range.isPresent()) {
            Matcher r = RANGE.matcher(range.get().trim());
            if (!r.matches()) {
                return error(416, "RANGE_INVALID", "only single ranges 'bytes=N-' or 'bytes=N-M' are served, got '"
                        + range.get() + "'", List.of(RawHeader.create("Content-Range", "bytes */" + size)));
            }
            start = Long.parseLong(r.group(1));
            if (!r.group(2).isEmpty()) {
                end = Math.min(end, Long.parseLong(r.group(2)));
            }
            if (start >= size || end < start) {
                return error(416, "RANGE_INVALID", "range " + range.get() + " is outside the blob's " + size + " bytes",
                        List.of(RawHeader.create("Content-Range", "bytes */" + size)));
            }
            partial = true;
        }
        long length = end - start + 1;
        // the read counts as a use (LRU); the file is opened when the response streams
        content.touch(digest);
        Source<ByteString, ?> bytes = FileIO.fromPath(file, CHUNK, start).via(limit(length));
        HttpResponse response = HttpResponse.create()
                .withStatus(partial ? StatusCodes.PARTIAL_CONTENT : StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, length, bytes))
                .addHeader(RawHeader.create("Docker-Content-Digest", digest.toString()))
                .addHeader(RawHeader.create("Accept-Ranges", "bytes"));
        if (partial) {
            response = response.addHeader(RawHeader.create("Content-Range",
                    "bytes " + start + "-" + end + "/" + size));
        }
        return response;
    }

    /** Passes the first {@code length} bytes and completes. */
    private static Flow<ByteString, ByteString, ?> limit(long length) {
        return Flow.<ByteString>create().statefulMapConcat(() -> {
            long[] left = {length};
            return chunk -> {
                if (left[0] <= 0) {
                    return List.of();
                }
                ByteString part = chunk.size() <= left[0] ? chunk : chunk.take((int) left[0]);
                left[0] -= part.size();
                // an empty chunk after the last one ends the stream without reading the file on
                return left[0] == 0 ? List.of(part, ByteString.emptyByteString()) : List.of(part);
            };
        }).takeWhile(chunk -> !chunk.isEmpty());
    }

    private static HttpResponse error(int status, String code, String message) {
        return error(status, code, message, List.of());
    }

    private static HttpResponse error(int status, String code, String message, List<HttpHeader> headers) {
        String json = "{\"errors\":[{\"code\":\"" + code + "\",\"message\":" + quote(message) + "}]}";
        return HttpResponse.create()
                .withStatus(StatusCodes.get(status))
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8)))
                .addHeaders(headers);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
