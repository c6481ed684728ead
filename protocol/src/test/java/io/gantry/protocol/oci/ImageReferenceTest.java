package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageReferenceTest {

    private static final String HEX = "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0";
    private static final String SHA256 = "sha256:" + HEX;
    private static final String SHA512 = "sha512:" + HEX + HEX;

    static Stream<Arguments> validReferences() {
        return Stream.of(
                // input, registry, repository, tag, digest, canonical, familiar
                valid("busybox", "docker.io", "library/busybox", "latest", null,
                        "docker.io/library/busybox:latest", "busybox:latest"),
                valid("busybox:1.36", "docker.io", "library/busybox", "1.36", null,
                        "docker.io/library/busybox:1.36", "busybox:1.36"),
                valid("library/busybox", "docker.io", "library/busybox", "latest", null,
                        "docker.io/library/busybox:latest", "busybox:latest"),
                valid("docker.io/busybox", "docker.io", "library/busybox", "latest", null,
                        "docker.io/library/busybox:latest", "busybox:latest"),
                valid("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", null,
                        "docker.io/library/busybox:latest", "busybox:latest"),
                valid("index.docker.io/busybox", "docker.io", "library/busybox", "latest", null,
                        "docker.io/library/busybox:latest", "busybox:latest"),
                valid("index.docker.io/library/busybox:musl", "docker.io", "library/busybox", "musl", null,
                        "docker.io/library/busybox:musl", "busybox:musl"),
                valid("user/app", "docker.io", "user/app", "latest", null,
                        "docker.io/user/app:latest", "user/app:latest"),
                valid("user/team/app:v1", "docker.io", "user/team/app", "v1", null,
                        "docker.io/user/team/app:v1", "user/team/app:v1"),
                valid("library/team/app", "docker.io", "library/team/app", "latest", null,
                        "docker.io/library/team/app:latest", "library/team/app:latest"),
                valid("localhost", "docker.io", "library/localhost", "latest", null,
                        "docker.io/library/localhost:latest", "localhost:latest"),
                valid("localhost/app", "localhost", "app", "latest", null,
                        "localhost/app:latest", "localhost/app:latest"),
                valid("localhost:5000/app", "localhost:5000", "app", "latest", null,
                        "localhost:5000/app:latest", "localhost:5000/app:latest"),
                valid("localhost:5000/team/app:1.0", "localhost:5000", "team/app", "1.0", null,
                        "localhost:5000/team/app:1.0", "localhost:5000/team/app:1.0"),
                valid("127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", null,
                        "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"),
                valid("[::1]:5000/app", "[::1]:5000", "app", "latest", null,
                        "[::1]:5000/app:latest", "[::1]:5000/app:latest"),
                valid("[2001:db8::1]/app:edge", "[2001:db8::1]", "app", "edge", null,
                        "[2001:db8::1]/app:edge", "[2001:db8::1]/app:edge"),
                valid("registry.example.com/app", "registry.example.com", "app", "latest", null,
                        "registry.example.com/app:latest", "registry.example.com/app:latest"),
                valid("registry.example.com:443/a/b/c:tag", "registry.example.com:443", "a/b/c", "tag", null,
                        "registry.example.com:443/a/b/c:tag", "registry.example.com:443/a/b/c:tag"),
                valid("Registry.Example.COM/app", "Registry.Example.COM", "app", "latest", null,
                        "Registry.Example.COM/app:latest", "Registry.Example.COM/app:latest"),
                valid("my-registry.local/app_name/sub-path", "my-registry.local", "app_name/sub-path", "latest", null,
                        "my-registry.local/app_name/sub-path:latest", "my-registry.local/app_name/sub-path:latest"),
                valid("gcr.io/distroless/static:nonroot", "gcr.io", "distroless/static", "nonroot", null,
                        "gcr.io/distroless/static:nonroot", "gcr.io/distroless/static:nonroot"),
                valid("ghcr.io/owner/repo@" + SHA256, "ghcr.io", "owner/repo", null, SHA256,
                        "ghcr.io/owner/repo@" + SHA256, "ghcr.io/owner/repo@" + SHA256),
                valid("busybox@" + SHA256, "docker.io", "library/busybox", null, SHA256,
                        "docker.io/library/busybox@" + SHA256, "busybox@" + SHA256),
                valid("busybox:1.36@" + SHA256, "docker.io", "library/busybox", "1.36", SHA256,
                        "docker.io/library/busybox:1.36@" + SHA256, "busybox:1.36@" + SHA256),
                valid("localhost:5000/app@" + SHA512, "localhost:5000", "app", null, SHA512,
                        "localhost:5000/app@" + SHA512, "localhost:5000/app@" + SHA512),
                valid("a/b__c/d--e/f.g/h_i", "docker.io", "a/b__c/d--e/f.g/h_i", "latest", null,
                        "docker.io/a/b__c/d--e/f.g/h_i:latest", "a/b__c/d--e/f.g/h_i:latest"),
                valid("app:TAG_Upper.1-x", "docker.io", "library/app", "TAG_Upper.1-x", null,
                        "docker.io/library/app:TAG_Upper.1-x", "app:TAG_Upper.1-x"),
                valid("app:_underscore", "docker.io", "library/app", "_underscore", null,
                        "docker.io/library/app:_underscore", "app:_underscore"),
                // Without a '/', "foo:5000" is a name and a tag, not a registry.
                valid("foo:5000", "docker.io", "library/foo", "5000", null,
                        "docker.io/library/foo:5000", "foo:5000"),
                valid("foo/" + HEX, "docker.io", "foo/" + HEX, "latest", null,
                        "docker.io/foo/" + HEX + ":latest", "foo/" + HEX + ":latest"),
                valid("app:" + "t".repeat(128), "docker.io", "library/app", "t".repeat(128), null,
                        "docker.io/library/app:" + "t".repeat(128), "app:" + "t".repeat(128)),
                // 255 characters with the registry is the limit.
                valid("r.io/" + "a".repeat(250), "r.io", "a".repeat(250), "latest", null,
                        "r.io/" + "a".repeat(250) + ":latest", "r.io/" + "a".repeat(250) + ":latest"));
    }

    private static Arguments valid(String input, String registry, String repository, String tag, String digest,
                                   String canonical, String familiar) {
        return Arguments.of(input, registry, repository, tag, digest, canonical, familiar);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("validReferences")
    void parsesAndNormalises(String input, String registry, String repository, String tag, String digest,
                             String canonical, String familiar) {
        ImageReference ref = ImageReference.parse(input);
        assertEquals(registry, ref.registry());
        assertEquals(repository, ref.repository());
        assertEquals(tag, ref.tag());
        assertEquals(digest == null ? null : Digest.parse(digest), ref.digest());
        assertEquals(canonical, ref.toString());
        assertEquals(familiar, ref.familiar());
        // Both forms parse back to the same reference.
        assertEquals(ref, ImageReference.parse(ref.toString()));
        assertEquals(ref, ImageReference.parse(ref.familiar()));
    }

    static Stream<Arguments> malformedReferences() {
        return Stream.of(
                bad("", "empty reference"),
                bad(" busybox", "contains whitespace"),
                bad("busy box", "contains whitespace"),
                bad("busybox\t", "contains whitespace"),
                bad("busy\u0000box", "contains a control character"),
                bad("Busybox", "repository name 'Busybox' must be lowercase"),
                bad("docker.io/Library/busybox", "repository name 'Library/busybox' must be lowercase"),
                bad("MyRegistry/app", "repository name 'MyRegistry/app' must be lowercase"),
                bad("busybox:", "trailing ':' with no tag after it"),
                bad("localhost:5000/app:", "trailing ':' with no tag after it"),
                bad("busybox:@" + SHA256, "trailing ':' with no tag after it"),
                bad("busybox:-bad", "invalid tag '-bad'"),
                bad("busybox:.bad", "invalid tag '.bad'"),
                bad("busybox:a+b", "invalid tag 'a+b'"),
                bad("foo:bar:baz", "invalid tag 'bar:baz'"),
                bad("busybox:" + "t".repeat(129), "tag is 129 characters, longer than 128"),
                bad("busybox@", "missing digest after '@'"),
                bad("busybox@sha256:abc", "invalid digest 'sha256:abc': sha256 needs 64 lowercase hex characters"),
                bad("busybox@sha256:" + HEX.toUpperCase(), "sha256 needs 64 lowercase hex characters"),
                bad("busybox@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm 'md5'"),
                bad("busybox@sha256", "invalid digest 'sha256': 'sha256' is not of the form algorithm:hex"),
                bad("busybox@" + SHA256 + "@" + SHA256, "more than one '@'"),
                bad(":latest", "missing repository name"),
                bad("@" + SHA256, "missing repository name"),
                bad("/busybox", "starts with '/'"),
                bad("//busybox", "starts with '/'"),
                bad("busybox/", "ends with '/'"),
                bad("foo//bar", "empty path component ('//')"),
                bad("registry.example.com//bar", "empty path component ('//')"),
                bad("-foo", "invalid repository path component '-foo'"),
                bad("foo-", "invalid repository path component 'foo-'"),
                bad("foo..bar", "invalid repository path component 'foo..bar'"),
                bad("foo___bar", "invalid repository path component 'foo___bar'"),
                bad("foo$bar", "invalid repository path component 'foo$bar'"),
                bad("f\u00f6o", "invalid repository path component 'f\u00f6o'"),
                bad("team/app!", "invalid repository path component 'app!'"),
                bad("r.io/" + "a".repeat(251), "repository name is 256 characters (with its registry), longer than 255"),
                bad("a".repeat(300), "longer than 255"),
                bad("localhost:/app", "registry 'localhost:' has ':' but no port after it"),
                bad("localhost:abc/app", "registry port 'abc' is not a number"),
                bad("localhost:99999/app", "registry port 99999 is out of range 1-65535"),
                bad("localhost:0/app", "registry port 0 is out of range 1-65535"),
                bad(":5000/app", "registry ':5000' has no host"),
                bad("my_registry.com/app", "invalid registry host 'my_registry.com'"),
                bad("-registry.com/app", "invalid registry host '-registry.com'"),
                bad("registry..com/app", "invalid registry host 'registry..com'"),
                bad("registry.com./app", "invalid registry host 'registry.com.'"),
                bad("[::1/app", "registry '[::1': '[' without ']'"),
                bad("[::1]x:5000/app", "only ':port' may follow an IPv6 address"),
                bad("[zz::1]/app", "invalid IPv6 address [zz::1]"),
                bad(HEX, "a 64-character hex string is an image id, not a repository name"));
    }

    private static Arguments bad(String input, String fragment) {
        return Arguments.of(input, fragment);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformedReferences")
    void refusesMalformedReferencesSayingWhy(String input, String fragment) {
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input));
        assertTrue(e.getMessage().startsWith("invalid image reference '" + input + "': "), e.getMessage());
        assertTrue(e.reason().contains(fragment), () -> "'" + e.reason() + "' lacks '" + fragment + "'");
        assertEquals(input, e.reference());
    }

    @Test
    void nullIsAnEmptyReference() {
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(null));
        assertEquals("empty reference", e.reason());
    }

    @Test
    void withDigestKeepsTheTagAndWithTagKeepsTheDigest() {
        Digest d = Digest.parse(SHA256);
        ImageReference pinned = ImageReference.parse("busybox:1.36").withDigest(d);
        assertEquals("docker.io/library/busybox:1.36@" + SHA256, pinned.toString());
        assertEquals(SHA256, pinned.manifestReference());
        ImageReference retagged = pinned.withTag("musl");
        assertEquals("docker.io/library/busybox:musl@" + SHA256, retagged.toString());
        assertEquals("docker.io/library/busybox@" + SHA256, pinned.withTag(null).toString());
        assertEquals("1.36", ImageReference.parse("busybox:1.36").manifestReference());

        InvalidReferenceException e = assertThrows(InvalidReferenceException.class,
                () -> ImageReference.parse("busybox").withTag("no good"));
        assertTrue(e.getMessage().contains("invalid tag 'no good'"), e.getMessage());
        e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse("busybox").withTag(null));
        assertEquals("a reference needs a tag or a digest", e.reason());
    }

    @Test
    void theConstructorChecksToo() {
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class,
                () -> new ImageReference("docker.io", "library/Busybox", "latest", null));
        assertEquals("invalid image reference 'docker.io/library/Busybox:latest': "
                + "repository name 'library/Busybox' must be lowercase", e.getMessage());
        assertThrows(InvalidReferenceException.class, () -> new ImageReference("bad_host", "app", "latest", null));
        assertThrows(InvalidReferenceException.class, () -> new ImageReference("", "app", "latest", null));
        assertThrows(InvalidReferenceException.class, () -> new ImageReference("docker.io", "", "latest", null));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "localhost/app,                true",
            "LOCALHOST:5000/app,           true",
            "localhost:5000/app,           true",
            "127.0.0.1:5000/app,           true",
            "127.1.2.3/app,                true",
            "[::1]:5000/app,               true",
            "[0:0:0:0:0:0:0:1]/app,        true",
            "10.0.0.1:5000/app,            false",
            "[2001:db8::1]/app,            false",
            "registry.example.com/app,     false",
            "localhost.example.com/app,    false",
            "127.0.0.1.nip.io/app,         false",
            "busybox,                      false",
    })
    void knowsALoopbackRegistry(String reference, boolean loopback) {
        assertEquals(loopback, ImageReference.parse(reference).isLocalhostOrLoopback());
    }

    @Test
    void dockerHubIsReachedAtItsApiHost() {
        assertEquals("registry-1.docker.io", ImageReference.parse("busybox").registryEndpoint());
        assertEquals("localhost:5000", ImageReference.parse("localhost:5000/app").registryEndpoint());
    }

    @Test
    void namesAndFlags() {
        ImageReference ref = ImageReference.parse("busybox@" + SHA256);
        assertEquals("docker.io/library/busybox", ref.name());
        assertEquals("busybox", ref.familiarName());
        assertFalse(ref.hasTag());
        assertTrue(ref.hasDigest());
        assertNull(ref.tag());
        assertEquals("user/app", ImageReference.parse("user/app").familiarName());
    }

    @Test
    void jsonIsTheCanonicalString() throws Exception {
        record Holder(ImageReference image) {
        }
        byte[] json = OciJson.mapper().writeValueAsBytes(new Holder(ImageReference.parse("busybox")));
        assertEquals("{\"image\":\"docker.io/library/busybox:latest\"}", new String(json, StandardCharsets.UTF_8));
        Holder read = OciJson.mapper().readValue("{\"image\":\"localhost:5000/app:v1\"}", Holder.class);
        assertEquals(ImageReference.parse("localhost:5000/app:v1"), read.image());
        Exception e = assertThrows(Exception.class,
                () -> OciJson.mapper().readValue("{\"image\":\"Bad:\"}", Holder.class));
        assertTrue(String.valueOf(e.getMessage()).contains("invalid image reference 'Bad:'"), e.getMessage());
    }
}
