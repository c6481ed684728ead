package io.gantry.agent.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeSpecBuilderTest {

    private RuntimeSpecBuilder base() {
        return new RuntimeSpecBuilder().args(List.of("true")).rootfs(Path.of("/r"), false);
    }

    @Test
    void dockerDefaults() {
        OciSpec s = base().build();
        assertEquals(14, s.process().capabilities().bounding().size());
        assertEquals(s.process().capabilities().bounding(), s.process().capabilities().effective());
        assertTrue(s.process().capabilities().inheritable().isEmpty());
        assertTrue(s.process().noNewPrivileges());
        assertFalse(s.process().terminal());
        assertTrue(s.linux().maskedPaths().contains("/proc/kcore"));
        assertTrue(s.linux().readonlyPaths().contains("/proc/sys"));
        List<String> ns = s.linux().namespaces().stream().map(OciSpec.Namespace::type).toList();
        assertEquals(List.of("pid", "mount", "ipc", "uts", "network"), ns);
        assertEquals(List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"),
                s.linux().devices().stream().map(OciSpec.Device::path).toList());
        OciSpec.Mount sys = s.mounts().stream().filter(m -> m.destination().equals("/sys")).findFirst().orElseThrow();
        assertTrue(sys.options().containsAll(List.of("ro", "nosuid", "noexec", "nodev")));
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/dev/mqueue", "/dev/shm"),
                s.mounts().stream().map(OciSpec.Mount::destination).toList());
        OciSpec.DeviceRule first = s.linux().resources().devices().get(0);
        assertFalse(first.allow(), "device cgroup starts by denying everything");
    }

    @Test
    void hostNetworkHasNoNetworkNamespaceAndNoLoopbackHook() {
        OciSpec s = base().network(RuntimeSpecBuilder.Network.HOST)
                .loopbackUpHook(Path.of("/usr/bin/nsenter"), Path.of("/sbin/ip")).build();
        assertFalse(s.linux().namespaces().stream().anyMatch(n -> n.type().equals("network")));
        assertNull(s.hooks());
        OciSpec none = base().loopbackUpHook(Path.of("/usr/bin/nsenter"), Path.of("/sbin/ip")).build();
        assertTrue(none.hooks().createRuntime().get(0).args().get(2).contains("/usr/bin/nsenter --net=/proc/$p/ns/net /sbin/ip link set lo up"));
    }

    @Test
    void limits() {
        OciSpec s = base().memoryLimit(16L << 20).cpuMillicores(500, true).pidsLimit(10).cgroupsPath("/gantry/x").build();
        assertEquals(16L << 20, s.linux().resources().memory().limit());
        assertEquals(16L << 20, s.linux().resources().memory().swap(), "swap = memory: no swapping");
        assertEquals(512, s.linux().resources().cpu().shares());
        assertEquals(50_000, s.linux().resources().cpu().quota());
        assertEquals(100_000, s.linux().resources().cpu().period());
        assertEquals(10, s.linux().resources().pids().limit());
        assertEquals("/gantry/x", s.linux().cgroupsPath());
        assertEquals(2, base().cpuMillicores(1, false).build().linux().resources().cpu().shares(), "shares never below 2");
        assertNull(base().cpuMillicores(250, false).build().linux().resources().cpu().quota());
        assertThrows(IllegalArgumentException.class, () -> base().memoryLimit(1024));
        assertThrows(IllegalArgumentException.class, () -> base().rlimit("RLIMIT_NOFILE", 10, 5));
        assertThrows(IllegalStateException.class, () -> new RuntimeSpecBuilder().rootfs(Path.of("/r"), false).build());
    }

    @Test
    void jsonUsesTheSpecsFieldNamesAndLeavesOutAbsentValues() throws Exception {
        OciSpec s = base().rlimit("RLIMIT_NOFILE", 100, 200).bind(Path.of("/h"), "/c", true).build();
        JsonNode n = BundleFiles.JSON.valueToTree(s);
        assertEquals("1.0.2", n.get("ociVersion").asText());
        assertEquals("RLIMIT_NOFILE", n.at("/process/rlimits/0/type").asText());
        assertEquals(200, n.at("/process/rlimits/0/hard").asLong());
        assertEquals(100, n.at("/process/rlimits/0/soft").asLong());
        assertTrue(n.at("/linux/resources/memory").isMissingNode());
        assertTrue(n.path("hooks").isMissingNode());
        JsonNode bind = n.get("mounts").get(n.get("mounts").size() - 1);
        assertEquals("/c", bind.get("destination").asText());
        assertEquals(List.of("rbind", "rprivate", "ro"), BundleFiles.JSON.convertValue(bind.get("options"), List.class));
        assertTrue(n.at("/linux/resources/devices/0").has("access"));
        assertFalse(n.at("/linux/resources/devices/0").has("major"), "absent major means any");
        OciSpec back = BundleFiles.JSON.treeToValue(n, OciSpec.class);
        assertEquals(s, back);
    }

    @Test
    void hostLimitsClampRlimits() {
        HostLimits host = new HostLimits(Map.of("RLIMIT_NOFILE", new long[] {1024, 20000}, "RLIMIT_CORE", new long[] {0, -1}));
        assertEquals(List.of(20000L, 20000L), List.of(host.clamp("RLIMIT_NOFILE", 1_048_576, 1_048_576)[0], host.clamp("RLIMIT_NOFILE", 1_048_576, 1_048_576)[1]));
        long[] small = host.clamp("RLIMIT_NOFILE", 100, 200);
        assertEquals(100, small[0]);
        assertEquals(200, small[1]);
        long[] core = host.clamp("RLIMIT_CORE", 5, 10);
        assertEquals(5, core[0], "unlimited host limit clamps nothing");
        assertEquals(10, core[1]);
    }
}
