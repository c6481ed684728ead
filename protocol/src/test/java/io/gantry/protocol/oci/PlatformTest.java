package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformTest {

    @ParameterizedTest(name = "{0}/{1}/{2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "linux,   amd64,   -,    linux/amd64",
            "Linux,   x86_64,  -,    linux/amd64",
            "linux,   x86-64,  v1,   linux/amd64",
            "linux,   amd64,   v3,   linux/amd64/v3",
            "linux,   aarch64, -,    linux/arm64",
            "linux,   arm64,   v8,   linux/arm64",
            "linux,   arm64,   8,    linux/arm64",
            "linux,   arm64,   v8.2, linux/arm64/v8.2",
            "linux,   arm,     -,    linux/arm/v7",
            "linux,   arm,     7,    linux/arm/v7",
            "linux,   arm,     6,    linux/arm/v6",
            "linux,   armhf,   -,    linux/arm/v7",
            "linux,   armel,   -,    linux/arm/v6",
            "linux,   i386,    -,    linux/386",
            "macos,   arm64,   -,    darwin/arm64",
            "linux,   ppc64le, -,    linux/ppc64le",
    })
    void normalizesLikeContainerd(String os, String arch, String variant, String expected) {
        assertEquals(expected, Platform.of(os, arch, variant).normalize().toString());
    }

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({
            "Linux,          amd64,       linux/amd64",
            "Linux,          x86_64,      linux/amd64",
            "Linux,          aarch64,     linux/arm64/v8",
            "Linux,          arm,         linux/arm/v7",
            "Linux,          i686,        linux/386",
            "Linux,          ppc64le,     linux/ppc64le",
            "Linux,          s390x,       linux/s390x",
            "Linux,          riscv64,     linux/riscv64",
            "Mac OS X,       aarch64,     darwin/arm64/v8",
            "Windows Server, amd64,       windows/amd64",
    })
    void mapsTheJvmsNames(String osName, String osArch, String expected) {
        assertEquals(expected, Platform.fromJvm(osName, osArch).toString());
    }

    @Test
    void hostIsTheRunningJvm() {
        Platform host = Platform.host();
        String arch = System.getProperty("os.arch");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            assertEquals("amd64", host.architecture());
        } else if (arch.equals("aarch64")) {
            assertEquals("arm64", host.architecture());
        }
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertEquals("linux", host.os());
        }
        assertTrue(host.matches(host));
    }

    @ParameterizedTest(name = "{0} runs {1}: {2}")
    @CsvSource({
            // exact, modulo normalisation
            "linux/amd64,     linux/amd64,      true",
            "linux/amd64,     linux/x86_64,     true",
            "linux/amd64,     linux/amd64/v1,   true",
            "linux/arm64,     linux/arm64/v8,   true",
            "linux/arm64/v8,  linux/arm64,      true",
            "linux/aarch64,   linux/arm64/v8,   true",
            "linux/arm,       linux/arm/v7,     true",
            "linux/arm/v7,    linux/arm,        true",
            // older variants and 32-bit compatibility
            "linux/amd64,     linux/386,        true",
            "linux/amd64/v3,  linux/amd64/v2,   true",
            "linux/amd64/v2,  linux/amd64/v3,   false",
            "linux/amd64,     linux/amd64/v2,   false",
            "linux/arm/v7,    linux/arm/v6,     true",
            "linux/arm/v7,    linux/arm/v5,     true",
            "linux/arm/v6,    linux/arm/v7,     false",
            "linux/arm64,     linux/arm/v7,     true",
            "linux/arm64,     linux/arm/v8,     true",
            "linux/arm64/v8.2, linux/arm64/v8.1, true",
            "linux/arm64/v8.2, linux/arm64,     true",
            "linux/arm64,     linux/arm64/v8.2, false",
            "linux/arm64/v9,  linux/arm64/v8.5, true",
            "linux/arm64/v9,  linux/arm64,      true",
            // different OS or architecture
            "linux/amd64,     linux/arm64,      false",
            "linux/arm64,     linux/amd64,      false",
            "linux/386,       linux/amd64,      false",
            "linux/arm/v7,    linux/arm64,      false",
            "linux/amd64,     windows/amd64,    false",
            "linux/amd64,     unknown/unknown,  false",
    })
    void matchesLikeContainerdOnly(String wanted, String candidate, boolean expected) {
        assertEquals(expected, Platform.parse(wanted).matches(Platform.parse(candidate)));
    }

    @Test
    void preferenceIsBestFirst() {
        assertEquals(List.of("linux/amd64/v3", "linux/amd64/v2", "linux/amd64", "linux/386"),
                PlatformMatcher.only(Platform.parse("linux/amd64/v3")).preference().stream()
                        .map(Platform::toString).toList());
        assertEquals(List.of("linux/arm64", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"),
                PlatformMatcher.only(Platform.parse("linux/arm64/v8")).preference().stream()
                        .map(Platform::toString).toList());
        assertEquals(List.of("linux/arm/v7", "linux/arm/v6", "linux/arm/v5"),
                PlatformMatcher.only(Platform.parse("linux/arm")).preference().stream()
                        .map(Platform::toString).toList());
    }

    @Test
    void strictMatchesOnlyTheSamePlatform() {
        PlatformMatcher strict = PlatformMatcher.strict(Platform.parse("linux/arm64"));
        assertTrue(strict.matches(Platform.parse("linux/arm64/v8")));
        assertFalse(strict.matches(Platform.parse("linux/arm/v7")));
        assertFalse(PlatformMatcher.strict(Platform.parse("linux/amd64")).matches(Platform.parse("linux/386")));
    }

    @Test
    void osFeaturesOfTheCandidateMustBeOffered() {
        Platform wanted = new Platform("amd64", "linux", null, List.of("sse4", "avx"), null, List.of());
        Platform needsSse4 = new Platform("amd64", "linux", null, List.of("sse4"), null, List.of());
        Platform needsAvx512 = new Platform("amd64", "linux", null, List.of("avx512"), null, List.of());
        assertTrue(wanted.matches(needsSse4));
        assertFalse(wanted.matches(needsAvx512));
        assertFalse(Platform.parse("linux/amd64").matches(needsSse4));
    }

    @Test
    void parseKeepsWhatWasTyped() {
        Platform p = Platform.parse("linux/aarch64/v8");
        assertEquals("aarch64", p.architecture());
        assertEquals("v8", p.variant());
        assertNull(Platform.parse("linux/amd64").variant());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "linux          | expected os/architecture[/variant]",
            "linux/amd64/v1/x | expected os/architecture[/variant]",
            "linux//v7      | component '' must be non-empty",
            "linux/amd 64   | component 'amd 64' must be",
            "/amd64         | component '' must be",
    })
    void parseRefusesMalformedSpecifiers(String specifier, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Platform.parse(specifier));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void aWantedPlatformNeedsOsAndArchitecture() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlatformMatcher.only(new Platform("amd64", null, null, null, null, null)));
        assertEquals("platform unknown/amd64: os and architecture are required to match", e.getMessage());
    }

    @Test
    void jsonUsesTheSpecsDottedNames() {
        Platform p = new Platform("amd64", "windows", "10.0.17763.5122", List.of("win32k"), null, List.of("sse4"));
        String json = new String(OciJson.write(p), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763.5122\","
                + "\"os.features\":[\"win32k\"],\"features\":[\"sse4\"]}", json);
        assertEquals(p, OciJson.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), Platform.class));
        assertEquals("windows(10.0.17763.5122)/amd64", p.toString());
    }
}
