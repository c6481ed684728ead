package io.gantry.protocol.oci;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageConfigTest {

    private static final Digest BASE = Digest.parse(
            "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1");
    private static final Digest CURL = Digest.parse(
            "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");

    @Test
    void readsTheSpecExample() {
        Parsed<ImageConfig> parsed = OciJson.parseImageConfig(Resources.bytes("oci/image-config.json"));
        ImageConfig c = parsed.value();

        assertEquals(Instant.parse("2015-10-31T22:22:56.015925234Z"), c.created());
        assertEquals("Alyssa P. Hacker <alyspdev@example.com>", c.author());
        assertEquals(Platform.of("linux", "amd64"), c.platform());
        ContainerConfig run = c.config();
        assertEquals("alice", run.user());
        assertEquals(List.of("8080/tcp"), run.exposedPorts());
        assertEquals(List.of("/bin/my-app-binary"), run.entrypoint());
        assertEquals(List.of("--foreground", "--config", "/etc/my-app.d/default.cfg"), run.cmd());
        assertEquals(List.of("/var/job-result-data", "/var/log/my-app-logs"), run.volumes());
        assertEquals("/home/alice", run.workingDir());
        assertEquals("45a939b2999782a3f005621a8d0f29aa387e1d6b", run.labels().get("com.example.project.git.commit"));
        assertNull(run.stopSignal());
        assertEquals("layers", c.rootfs().type());
        assertEquals(List.of(BASE, CURL), c.diffIds());
        assertEquals(3, c.history().size());
        assertTrue(c.history().get(1).emptyLayer());
        assertEquals("/bin/sh -c #(nop) CMD [\"sh\"]", c.history().get(1).createdBy());
    }

    @Test
    void layerHistoryPairsTheStepsThatMadeALayerWithTheDiffIds() {
        ImageConfig c = OciJson.parseImageConfig(Resources.bytes("oci/image-config.json")).value();
        List<ImageConfig.LayerHistory> layers = c.layerHistory();
        assertEquals(2, layers.size());
        assertEquals(0, layers.get(0).index());
        assertEquals(BASE, layers.get(0).diffId());
        assertTrue(layers.get(0).history().createdBy().contains("ADD file:a3bc1e842b69"));
        assertEquals(1, layers.get(1).index());
        assertEquals(CURL, layers.get(1).diffId());
        assertEquals("/bin/sh -c apk add curl", layers.get(1).history().createdBy());
    }

    @Test
    void readsADockerConfigWithHistoryAndEmptyLayers() {
        byte[] raw = Resources.bytes("docker/image-config.json");
        Descriptor d = Descriptor.forContent(MediaTypes.DOCKER_CONFIG, raw);
        ImageConfig c = OciJson.parseImageConfig(raw, d).value();

        assertEquals(Platform.of("linux", "arm64", "v8"), c.platform());
        assertTrue(PlatformMatcher.only(Platform.of("linux", "arm64")).matches(c.platform()));
        // +01:00 in the document, the same instant in UTC.
        assertEquals(Instant.parse("2023-11-01T06:51:43.4423312Z"), c.created());
        ContainerConfig run = c.config();
        assertNull(run.user(), "empty strings read as absent");
        assertNull(run.workingDir());
        assertEquals(List.of("443/tcp", "80/tcp"), run.exposedPorts());
        assertEquals(List.of("/var/cache/nginx"), run.volumes());
        assertEquals(List.of("/docker-entrypoint.sh"), run.entrypoint());
        assertEquals(List.of("nginx", "-g", "daemon off;"), run.cmd());
        assertEquals(List.of(), run.onBuild(), "null lists read as empty");
        assertEquals("SIGQUIT", run.stopSignal());
        assertEquals(Boolean.TRUE, run.argsEscaped());
        assertEquals("", run.labels().get("org.opencontainers.image.source"), "an empty label value is a value");
        ContainerConfig.Healthcheck hc = run.healthcheck();
        assertEquals(List.of("CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1/ || exit 1"), hc.test());
        assertEquals(30_000_000_000L, hc.interval());
        assertEquals(5_000_000_000L, hc.timeout());
        assertEquals(2_000_000_000L, hc.startPeriod());
        assertNull(hc.startInterval());
        assertEquals(3, hc.retries());

        // Docker's own fields are kept: in the config object and at the top.
        assertEquals("", run.unknownFields().get("Hostname").asText());
        assertFalse(run.unknownFields().get("Tty").asBoolean());
        assertEquals("20.10.23", c.unknownFields().get("docker_version").asText());
        JsonNode containerConfig = c.unknownFields().get("container_config");
        assertEquals("3f79bb7b435b", containerConfig.get("Hostname").asText());
        assertTrue(containerConfig.get("Volumes").isNull());

        assertEquals(12, c.history().size());
        List<ImageConfig.LayerHistory> layers = c.layerHistory();
        assertEquals(3, layers.size());
        assertEquals(c.diffIds(), layers.stream().map(ImageConfig.LayerHistory::diffId).toList());
        assertTrue(layers.get(0).history().createdBy().contains("ADD file:"));
        assertEquals("install nginx", layers.get(1).history().comment());
        assertEquals("NGINX Docker Maintainers", layers.get(2).history().author());
        assertTrue(layers.get(2).history().createdBy().contains("COPY file:"));
        assertEquals(9, c.history().stream().filter(ImageConfig.History::emptyLayer).count());
    }

    @Test
    void envMapKeepsOrderAndLetsLaterEntriesWin() {
        ImageConfig c = OciJson.parseImageConfig(Resources.bytes("docker/image-config.json"),
                MediaTypes.DOCKER_CONFIG, null).value();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        expected.put("NGINX_VERSION", "1.25.3");
        expected.put("PKG_RELEASE", "2");
        expected.put("EMPTY", "");
        expected.put("NOVALUE", "");
        assertEquals(List.copyOf(expected.entrySet()), List.copyOf(c.envMap().entrySet()));
        assertThrows(UnsupportedOperationException.class, () -> c.envMap().put("X", "y"));
    }

    @Test
    void dockerConfigRoundTripsThroughJson() {
        byte[] raw = Resources.bytes("docker/image-config.json");
        ImageConfig c = OciJson.parseImageConfig(raw, MediaTypes.DOCKER_CONFIG, null).value();
        byte[] written = OciJson.write(c);
        ImageConfig again = OciJson.parseImageConfig(written, MediaTypes.DOCKER_CONFIG, null).value();
        assertEquals(c, again);
        assertNotEquals(Digest.sha256(raw), Digest.sha256(written));
        String json = new String(written, StandardCharsets.UTF_8);
        // Go's time format: UTC, trailing zeros of the fraction dropped.
        assertTrue(json.contains("\"created\":\"2023-11-01T06:51:43.4423312Z\""), json);
        assertTrue(json.contains("\"created\":\"2023-10-30T20:43:05.5Z\""), json);
        assertTrue(json.contains("\"created\":\"2023-11-01T06:51:30Z\""), json);
        assertTrue(json.contains("\"StartPeriod\":2000000000"), json);
        assertFalse(json.contains("\"empty_layer\":false"), json);
    }

    @Test
    void volumesAndExposedPortsKeepTheirObjectShape() {
        ContainerConfig run = ContainerConfig.builder()
                .exposedPorts(List.of("8080/tcp", "53/udp", "8080/tcp"))
                .volumes(List.of("/data"))
                .labels(Map.of("empty", ""))
                .build();
        ImageConfig c = ImageConfig.of(Platform.of("linux", "amd64"), run, List.of(BASE));
        String json = new String(OciJson.write(c), StandardCharsets.UTF_8);
        assertEquals("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
                + "\"ExposedPorts\":{\"53/udp\":{},\"8080/tcp\":{}},"
                + "\"Volumes\":{\"/data\":{}},"
                + "\"Labels\":{\"empty\":\"\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + BASE + "\"]}}", json);
        assertEquals(c, OciJson.parseImageConfig(json.getBytes(StandardCharsets.UTF_8)).value());
    }

    @Test
    void aConfigWithoutExecutionParametersWritesNone() {
        ImageConfig c = ImageConfig.of(Platform.of("linux", "arm64", "v8"), ContainerConfig.EMPTY, List.of());
        assertEquals("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"rootfs\":{\"type\":\"layers\"}}",
                new String(OciJson.write(c), StandardCharsets.UTF_8));
        ImageConfig read = OciJson.parseImageConfig(OciJson.write(c)).value();
        assertTrue(read.config().isEmpty());
        assertEquals(c, read);
        assertEquals(List.of(), read.layerHistory());
    }

    @Test
    void withoutHistoryEveryLayerHasNone() {
        ImageConfig c = ImageConfig.of(Platform.of("linux", "amd64"), ContainerConfig.EMPTY, List.of(BASE, CURL));
        List<ImageConfig.LayerHistory> layers = c.layerHistory();
        assertEquals(List.of(new ImageConfig.LayerHistory(0, BASE, null), new ImageConfig.LayerHistory(1, CURL, null)),
                layers);
    }

    @Test
    void historyThatDisagreesWithRootfsIsReported() {
        ImageConfig.History made = new ImageConfig.History(null, "RUN make", null, null, false);
        ImageConfig.History env = new ImageConfig.History(null, "ENV A=b", null, null, true);
        ImageConfig c = new ImageConfig(null, null, "amd64", "linux", null, null, null, null,
                ImageConfig.RootFs.layers(List.of(BASE, CURL)), List.of(made, env), Map.of());
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, c::layerHistory);
        assertEquals("invalid image config: history has 1 entries that create a layer (not empty_layer) "
                + "but rootfs.diff_ids has 2", e.getMessage());
    }

    @Test
    void builderCopiesEveryField() {
        ContainerConfig run = ContainerConfig.builder().user("1000:1000").env(List.of("A=1")).entrypoint(List.of("/init"))
                .cmd(List.of("serve")).workingDir("/srv").stopSignal("SIGTERM").argsEscaped(true)
                .healthcheck(new ContainerConfig.Healthcheck(List.of("NONE"), null, null, null, null, null))
                .onBuild(List.of("RUN true")).shell(List.of("/bin/sh", "-c")).volumes(List.of("/v"))
                .exposedPorts(List.of("1/tcp")).labels(Map.of("a", "b")).build();
        assertEquals(run, run.toBuilder().build());
        assertEquals("/other", run.toBuilder().workingDir("/other").build().workingDir());
        assertEquals(run, OciJson.read(OciJson.write(run), ContainerConfig.class));
    }
}
