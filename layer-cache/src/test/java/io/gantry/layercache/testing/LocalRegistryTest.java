package io.gantry.layercache.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LocalRegistryTest {

    @TempDir
    Path dir;

    @Test
    void servesV2LogsRequestsAndStopsItsProcess() throws Exception {
        LocalRegistry registry = LocalRegistry.start(dir);
        HttpClient http = HttpClient.newHttpClient();
        try (registry) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(registry.uri().resolve("/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            List<LocalRegistry.Request> logged = registry.awaitRequests(r -> r.uri().equals("/v2/"), 2);
            assertEquals(200, logged.get(logged.size() - 1).status());
            assertEquals(2, logged.get(logged.size() - 1).written());
        }
        assertThrows(java.io.IOException.class, () -> http.send(
                HttpRequest.newBuilder(registry.uri().resolve("/v2/")).build(), HttpResponse.BodyHandlers.ofString()));
        registry.close();
        assertFalse(registry.hostPort().isEmpty());
    }
}
