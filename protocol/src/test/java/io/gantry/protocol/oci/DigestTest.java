package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigestTest {

    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String SHA512_ABC = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    private static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);

    @Test
    void parsesSha256AndSha512() {
        Digest d = Digest.parse("sha256:" + SHA256_ABC);
        assertEquals("sha256", d.algorithm());
        assertEquals(SHA256_ABC, d.hex());
        assertEquals("sha256:" + SHA256_ABC, d.toString());
        assertEquals("ba7816bf8f01", d.shortHex());

        Digest e = Digest.parse("sha512:" + SHA512_ABC);
        assertEquals("sha512", e.algorithm());
        assertEquals("sha512:" + SHA512_ABC, e.toString());
    }

    @Test
    void computesTheKnownVectors() throws Exception {
        assertEquals(Digest.parse("sha256:" + SHA256_ABC), Digest.sha256(ABC));
        assertEquals(Digest.parse("sha512:" + SHA512_ABC), Digest.of("sha512", ABC));
        assertEquals(Digest.sha256(ABC), Digest.sha256(new ByteArrayInputStream(ABC)));
        MessageDigest md = Digest.sha256(ABC).newMessageDigest();
        md.update(ABC);
        assertEquals(Digest.sha256(ABC), Digest.from("sha256", md));
    }

    @Test
    void computesOverAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("blob");
        Files.write(file, ABC);
        assertEquals(Digest.sha256(ABC), Digest.sha256(file));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "sha256                                  | is not of the form algorithm:hex",
            "sha256:                                 | is not of the form algorithm:hex",
            ":" + SHA256_ABC + "                     | is not of the form algorithm:hex",
            "sha256:abc                              | sha256 needs 64 lowercase hex characters, got 'abc'",
            "sha256:" + SHA256_ABC + "0              | sha256 needs 64 lowercase hex characters",
            "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD | sha256 needs 64 lowercase hex",
            "sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad | sha256 needs 64 lowercase hex",
            "sha512:" + SHA256_ABC + "               | sha512 needs 128 lowercase hex characters",
            "md5:d41d8cd98f00b204e9800998ecf8427e    | unsupported algorithm 'md5' (sha256 and sha512 are supported)",
            "SHA256:" + SHA256_ABC + "               | unsupported algorithm 'SHA256'",
    })
    void refusesMalformedDigests(String text, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.parse(text));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void refusesNullAndPartialDigests() {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse(null));
        assertThrows(IllegalArgumentException.class, () -> new Digest(null, SHA256_ABC));
        assertThrows(IllegalArgumentException.class, () -> Digest.of("md5", ABC));
    }

    @Test
    void jsonIsTheString() throws Exception {
        record Holder(Digest digest) {
        }
        String json = "{\"digest\":\"sha512:" + SHA512_ABC + "\"}";
        Holder h = OciJson.mapper().readValue(json, Holder.class);
        assertEquals(Digest.of("sha512", ABC), h.digest());
        assertEquals(json, OciJson.mapper().writeValueAsString(h));
    }

    @Test
    void ordersByItsText() {
        Digest a = Digest.sha256(ABC);
        Digest b = Digest.of("sha512", ABC);
        assertTrue(a.compareTo(b) < 0);
        assertEquals(0, a.compareTo(Digest.parse(a.toString())));
    }
}
