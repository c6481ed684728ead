package io.gantry.layercache.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registry tokens: bearer tokens sent up front (Docker's registrytoken; Gantry's peers). */
class RegistryTokenTest {

    @Test
    void aTokenForAnyHostAppliesWhereNoHostHasItsOwn() {
        RegistryCredentials c = RegistryCredentials.none()
                .withRegistryToken(RegistryCredentials.ANY_HOST, "cluster")
                .withRegistryToken("https://10.0.0.3:7070/", "special");
        assertEquals(Optional.of("special"), c.registryToken("10.0.0.3:7070"));
        assertEquals(Optional.of("cluster"), c.registryToken("10.0.0.4:7070"));
        assertTrue(RegistryCredentials.none().registryToken("x").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> RegistryCredentials.none().withRegistryToken("x", " "));
    }

    @Test
    void aDockerConfigMayGiveARegistryToken(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("auth.json");
        Files.writeString(file, "{\"auths\":{\"reg.example:5000\":{\"registrytoken\":\"t0k\"},"
                + "\"other.example\":{\"username\":\"u\",\"password\":\"p\"}}}");
        RegistryCredentials c = RegistryCredentials.load(file);
        assertEquals(Optional.of("t0k"), c.registryToken("reg.example:5000"));
        assertEquals("u", c.forHost("other.example").orElseThrow().username());
        assertTrue(c.registryToken("other.example").isEmpty());
    }
}
