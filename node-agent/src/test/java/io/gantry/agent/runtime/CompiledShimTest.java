package io.gantry.agent.runtime;

import io.gantry.protocol.oci.Digest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The compiled gantry-shim as shipped: its installation on the node, and {@code loopback-up} as a
 * hook sees it (the state JSON on stdin). Skips, saying why, when this build has no compiled shim.
 */
class CompiledShimTest {

    @TempDir
    Path tmp;

    Path binary;

    @BeforeEach
    void setUp() {
        binary = ((Shim.Compiled) RealContainers.shim("compiled", tmp.resolve("bin"))).path();
    }

    @Test
    void installsUnderItsDigestExecutableAndRunnable() throws Exception {
        byte[] shipped;
        try (InputStream in = CompiledShim.class.getResourceAsStream(CompiledShim.resourceName())) {
            shipped = in.readAllBytes();
        }
        assertEquals(tmp.resolve("bin").resolve(Digest.sha256(shipped).hex()).resolve("gantry-shim"), binary);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(binary)));
        assertEquals(Digest.sha256(shipped), Digest.sha256(binary));
        try (var s = Files.list(binary.getParent())) {
            assertEquals(List.of(binary), s.toList(), "no temporary file left");
        }
        assertTrue(Shim.select("auto", tmp.resolve("bin")) instanceof Shim.Compiled);
        assertTrue(Shim.select("auto", tmp.resolve("bin")).describe().startsWith("gantry-shim 2 (compiled, "));
    }

    @Test
    void aDamagedCopyIsReplacedAndAnotherDirectoryGetsItsOwn() throws Exception {
        Files.writeString(binary, "#!/bin/sh\necho not the shim\n"); // e.g. cut short by a crash
        CompiledShim.Installation again = CompiledShim.installNow(tmp.resolve("bin"));
        assertEquals(binary, again.binary().orElseThrow(), again.reason());
        assertTrue(again.version().startsWith("gantry-shim "), again.version());
        assertNotEquals("#!", new String(Files.readAllBytes(binary), 0, 2, StandardCharsets.ISO_8859_1));
    }

    @Test
    void theShellShimCanBeChosenAndCompiledCanBeInsistedOn() {
        Shim sh = Shim.select("sh", tmp.resolve("bin"));
        assertTrue(sh instanceof Shim.Shell, sh.describe());
        assertTrue(sh.binary().isEmpty());
        assertTrue(Shim.select("compiled", tmp.resolve("bin")) instanceof Shim.Compiled);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Shim.select("dash", tmp));
        assertTrue(bad.getMessage().contains("auto, compiled or sh"), bad.getMessage());
    }

    record Result(int code, String stdout, String stderr) {
    }

    private Result loopbackUp(String stdin) throws Exception {
        Path in = Files.writeString(tmp.resolve("state.json"), stdin);
        Process p = new ProcessBuilder(binary.toString(), "loopback-up")
                .redirectInput(in.toFile())
                .redirectError(tmp.resolve("hook.err").toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, Files.readString(tmp.resolve("hook.err")));
    }

    @Test
    void theHookRefusesMalformedStateWithAMessage() throws Exception {
        List<List<String>> cases = List.of(
                List.of("", "not a JSON object"),
                List.of("[1,2]", "not a JSON object"),
                List.of("{\"id\":\"pid\",\"status\":\"creating\"}", "no \"pid\""),
                List.of("{\"annotations\":{\"pid\":42}}", "no \"pid\""),
                List.of("{\"pid\":\"42\"}", "\"pid\" is not a number"),
                List.of("{\"pid\":4.2}", "\"pid\" is not a process id"),
                List.of("{\"pid\":0}", "\"pid\" is not a process id"),
                List.of("{\"pid\":-3}", "\"pid\" is not a process id"),
                List.of("{\"pid\":99999999999}", "\"pid\" is not a process id"),
                List.of("{\"pid\":1,\"pid\":2}", "\"pid\" given twice"),
                List.of("{\"pid\":42", "expected ',' or '}'"),
                List.of("{\"pid\":42,}", "expected a member name"),
                List.of("{\"pid\":42} {}", "more after the JSON object"),
                List.of("{\"id\":\"a\\qb\",\"pid\":42}", "bad escape"),
                List.of("{\"id\":\"unterminated,\"pid\":42}", "expected"),
                List.of("{\"x\":tru,\"pid\":42}", "unexpected word"),
                List.of("[".repeat(100), "not a JSON object"),
                List.of("{\"a\":" + "[".repeat(100) + "]".repeat(100) + ",\"pid\":42}", "nested too deeply"));
        for (List<String> c : cases) {
            Result r = loopbackUp(c.get(0));
            assertEquals(1, r.code(), "refused: " + c.get(0));
            assertTrue(r.stderr().startsWith("gantry-shim loopback-up: ") && r.stderr().contains(c.get(1)),
                    "for " + c.get(0) + " expected '" + c.get(1) + "' in: " + r.stderr());
            assertEquals("", r.stdout());
        }
    }

    @Test
    void theHookSaysSoWhenTheProcessIsGone() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Result r = loopbackUp("{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"status\":\"creating\",\"pid\":" + p.pid() + ",\"bundle\":\"/b\"}");
        assertEquals(1, r.code());
        assertTrue(r.stderr().contains("/proc/" + p.pid() + "/ns/net"), r.stderr());
    }

    @Test
    void theHookBringsLoopbackUpInTheProcesssNetworkNamespaceAndAgainIsANoOp() throws Exception {
        BusyboxRootfs.assumeRealContainers(); // root
        Path unshare = OciRuntimeBinary.findOnPath("unshare").orElse(null);
        Path nsenter = OciRuntimeBinary.findOnPath("nsenter").orElse(null);
        Path ip = OciRuntimeBinary.findOnPath("ip").orElse(null);
        assumeTrue(unshare != null && nsenter != null && ip != null, "needs unshare, nsenter (util-linux) and ip (iproute2)");
        Process sleeper = new ProcessBuilder(unshare.toString(), "--net", "sleep", "30")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            long pid = sleeper.pid();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // unshare execs sleep in the same pid once the namespace exists
            while (!Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("sleep")) {
                assertTrue(System.nanoTime() < deadline, "unshare did not exec sleep");
                Thread.sleep(5);
            }
            assertTrue(link(nsenter, ip, pid).contains("state DOWN"), link(nsenter, ip, pid));
            String state = "{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"status\":\"creating\",\"pid\":" + pid
                    + ",\"bundle\":\"/b\",\"annotations\":{\"pid\":\"not this one\"}}\n";
            Result r = loopbackUp(state);
            assertEquals(0, r.code(), r.stderr());
            assertTrue(link(nsenter, ip, pid).contains("<LOOPBACK,UP,LOWER_UP>"), link(nsenter, ip, pid));
            assertEquals(0, loopbackUp(state).code(), "up already: nothing to do");
        } finally {
            sleeper.destroyForcibly();
            sleeper.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String link(Path nsenter, Path ip, long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(nsenter.toString(), "--net=/proc/" + pid + "/ns/net", ip.toString(), "-o", "link", "show", "lo")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(5, TimeUnit.SECONDS);
        return out;
    }
}
