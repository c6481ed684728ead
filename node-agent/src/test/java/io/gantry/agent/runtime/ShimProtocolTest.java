package io.gantry.agent.runtime;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shim's protocol, the same for both kinds: each test starts a shim exactly as
 * {@link OciCliRuntime} does, with a fake "runtime" (a shell script that logs how it was called
 * and then behaves as the test needs) instead of runc, and checks the report lines on the shim's
 * stdout, the {@code exit} file, the shim's own exit code, what the runtime was given, and that
 * the shim survives its reader going away. No root or runc needed.
 */
@ParameterizedClass(name = "{0} shim")
@FieldSource("io.gantry.agent.runtime.RealContainers#SHIM_KINDS")
class ShimProtocolTest {

    @Parameter
    String shimKind;

    @TempDir
    Path tmp;

    Shim shim;
    Path dir;
    Path calls;

    @BeforeEach
    void setUp() throws IOException {
        shim = RealContainers.shim(shimKind, tmp.resolve("bin"));
        dir = Files.createDirectories(tmp.resolve("shims/c1"));
        RuntimeNative.mkfifo(dir.resolve("stdout.fifo"), 0600);
        RuntimeNative.mkfifo(dir.resolve("stderr.fifo"), 0600);
        calls = tmp.resolve("calls");
    }

    /** The fake runtime: logs "$*" to {@code calls}, answers "delete" with {@code onDelete}, "run" with {@code onRun}. */
    private List<String> runtime(String onRun, String onDelete) {
        String script = "echo \"$*\" >>'" + calls + "'; case $1 in delete) " + onDelete + ";; esac; " + onRun;
        return List.of("/bin/sh", "-c", script, "fake-runtime");
    }

    /**
     * A started shim with the test holding the fifos' read ends (as the agent does), told to go
     * with {@code oomFile} unless that is null.
     */
    private final class Started implements AutoCloseable {
        final Process process;
        final BufferedReader report;
        final List<RandomAccessFile> keep = new ArrayList<>();
        final FileChannel stdout;
        final FileChannel stderr;

        Started(String oomFile, boolean keepContainer, List<String> runtime) throws IOException {
            this(oomFile, keepContainer, runtime, List.of());
        }

        Started(String oomFile, boolean keepContainer, List<String> runtime, List<String> wrapper) throws IOException {
            keep.add(new RandomAccessFile(dir.resolve("stdout.fifo").toFile(), "rw"));
            keep.add(new RandomAccessFile(dir.resolve("stderr.fifo").toFile(), "rw"));
            stdout = FileChannel.open(dir.resolve("stdout.fifo"), StandardOpenOption.READ);
            stderr = FileChannel.open(dir.resolve("stderr.fifo"), StandardOpenOption.READ);
            List<String> cmd = new ArrayList<>(wrapper);
            cmd.addAll(shim.command(dir, tmp.resolve("bundle"), "c1", keepContainer, runtime));
            process = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("shim.err").toFile()))
                    .start();
            report = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            if (oomFile != null) {
                go(Shim.goLine(oomFile));
            }
        }

        void go(String line) throws IOException {
            try (var in = process.getOutputStream()) {
                in.write(line.getBytes(StandardCharsets.US_ASCII));
            }
        }

        int awaitExit() throws InterruptedException {
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "shim ended");
            return process.exitValue();
        }

        /** Everything the runtime wrote to a fifo; call after the shim ended. */
        String drained(FileChannel ch) throws IOException {
            for (RandomAccessFile k : keep) {
                k.close();
            }
            keep.clear();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    break;
                }
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            process.destroyForcibly();
            for (RandomAccessFile k : keep) {
                k.close();
            }
            stdout.close();
            stderr.close();
        }
    }

    private String exitFile() throws IOException {
        return Files.readString(dir.resolve("exit"));
    }

    private List<String> callsMade() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void saysFifosRunsTheRuntimeRecordsItsStatusAndReportsIt() throws Exception {
        try (Started s = new Started("", false, runtime("echo out; echo err >&2; exit 7", "exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            assertEquals("exit 7 0", s.report.readLine());
            assertEquals(7, s.awaitExit());
            assertEquals("7 0\n", exitFile());
            assertEquals("out\n", s.drained(s.stdout));
            assertEquals("err\n", s.drained(s.stderr));
        }
        assertEquals(List.of("run --bundle " + tmp.resolve("bundle") + " --pid-file " + dir.resolve("init.pid") + " c1"), callsMade());
    }

    @Test
    void keepRunsWithKeepThenDeletesTheContainerWithItsStderrInShimErr() throws Exception {
        try (Started s = new Started("", true, runtime("exit 0", "echo deleting >&2; exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            assertEquals("exit 0 0", s.report.readLine());
            assertEquals(0, s.awaitExit());
        }
        assertEquals(List.of("run --keep --bundle " + tmp.resolve("bundle") + " --pid-file " + dir.resolve("init.pid") + " c1",
                "delete --force c1"), callsMade());
        assertEquals("deleting\n", Files.readString(dir.resolve("shim.err")));
    }

    @Test
    void deathBySignalIs128PlusTheSignal() throws Exception {
        try (Started s = new Started("", false, runtime("kill -USR1 $$", "exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            assertEquals("exit 138 0", s.report.readLine());
            assertEquals(138, s.awaitExit());
        }
        assertEquals("138 0\n", exitFile());
        Files.delete(dir.resolve("exit"));
        try (Started s = new Started("", false, runtime("kill -KILL $$", "exit 0"))) {
            assertEquals(137, s.awaitExit());
        }
        assertEquals("137 0\n", exitFile());
    }

    @Test
    void theOomCounterIsReadFromTheCgroupFile() throws Exception {
        // cgroup v1's memory.oom_control; v2's memory.events has the same "oom_kill N" line
        Path oom = Files.writeString(tmp.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        try (Started s = new Started(oom.toString(), false, runtime("exit 137", "exit 0"))) {
            s.report.readLine();
            assertEquals("exit 137 3", s.report.readLine());
            assertEquals(137, s.awaitExit());
        }
        assertEquals("137 3\n", exitFile());
        try (Started s = new Started(tmp.resolve("no-such-file").toString(), false, runtime("exit 1", "exit 0"))) {
            s.report.readLine();
            assertEquals("exit 1 0", s.report.readLine(), "a missing counter file counts 0");
            s.awaitExit();
        }
    }

    @Test
    void theRuntimeStartsWithDefaultSignalDispositionsAndNothingBlocked() throws Exception {
        try (Started s = new Started("", false, runtime("exec grep -E '^Sig(Ign|Blk)' /proc/self/status", "exit 0"))) {
            assertEquals(0, s.awaitExit());
            String status = s.drained(s.stdout);
            assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
            long ignored = Long.parseLong(status.substring(status.indexOf("SigIgn:\t") + 8).strip(), 16);
            if (shim instanceof Shim.Compiled) {
                assertEquals(0, ignored, "SIGPIPE and every other signal at its default: " + status);
            } else {
                // the JVM starts processes through glibc's posix_spawn, which leaves its internal
                // signals 32 and 33 ignored; sh passes that on. The classic signals are at their defaults.
                assertEquals(0, ignored & 0x7fffffffL, "SIGPIPE and the other classic signals at their defaults: " + status);
            }
        }
    }

    @Test
    void signalsIgnoredWhereTheShimWasStartedReachTheRuntimeOnlyThroughTheShellShim() throws Exception {
        // POSIX sh keeps signals that were ignored on entry ignored for its children (HUP INT QUIT
        // USR2 TERM: bits 0, 1, 2, 11, 14 = 0x4807); the compiled shim resets them
        List<String> ignoring = List.of("/bin/sh", "-c", "trap '' HUP INT QUIT TERM USR2; exec \"$@\"", "wrapper");
        try (Started s = new Started("", false, runtime("exec grep -E '^SigIgn' /proc/self/status", "exit 0"), ignoring)) {
            assertEquals(0, s.awaitExit());
            long ignored = Long.parseUnsignedLong(s.drained(s.stdout).replace("SigIgn:", "").strip(), 16);
            if (shim instanceof Shim.Compiled) {
                assertEquals(0, ignored, Long.toHexString(ignored));
            } else {
                assertEquals(0x4807, ignored & 0x4807, Long.toHexString(ignored)); // what a shell shim cannot undo
            }
        }
    }

    @Test
    void theShimRunsInASessionOfItsOwn() throws Exception {
        try (Started s = new Started("", false, runtime("sleep 0.3", "exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            String stat = Files.readString(Path.of("/proc", Long.toString(s.process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(Long.toString(s.process.pid()), f[3], "session id = the shim's pid: " + stat);
            assertEquals(0, s.awaitExit());
        }
    }

    @Test
    void theShimOutlivesItsReaderAndStillRecordsTheExit() throws Exception {
        try (Started s = new Started("", false, runtime("sleep 0.3; exit 5", "exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            s.report.close(); // the agent's end of the shim's stdout is gone (as after a kill -9 of the agent)
            assertEquals(5, s.awaitExit(), "SIGPIPE did not kill the shim");
        }
        assertEquals("5 0\n", exitFile());
    }

    @Test
    void aRuntimeThatCannotBeFoundIsStatus127() throws Exception {
        try (Started s = new Started("", false, List.of(tmp.resolve("no-such-runtime").toString()))) {
            assertEquals("fifos", s.report.readLine());
            assertEquals("exit 127 0", s.report.readLine());
            assertEquals(127, s.awaitExit());
        }
        assertEquals("127 0\n", exitFile());
        if (shim instanceof Shim.Compiled) {
            assertTrue(Files.readString(dir.resolve("shim.err")).contains("no-such-runtime"), "the shim said why in shim.err");
        } else {
            // sh says it on the runtime's stderr, which is the container's
            try (Started s = new Started("", false, List.of(tmp.resolve("no-such-runtime").toString()))) {
                s.awaitExit();
                assertTrue(s.drained(s.stderr).contains("no-such-runtime"), "sh said why on the container's stderr");
            }
        }
    }

    @Test
    void withoutItsFifosTheShimFailsWith125BeforeRunningAnything() throws Exception {
        Path gone = tmp.resolve("no-such-dir");
        List<String> cmd = shim.command(gone, tmp.resolve("bundle"), "c1", false, runtime("exit 0", "exit 0"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(tmp.resolve("shim.err").toFile())).start();
        assertEquals("", new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII), "no 'fifos' line");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        // sh's "|| exit 125" is never reached: a failed redirection of the special builtin exec exits dash with 2
        assertEquals(shim instanceof Shim.Compiled ? 125 : 2, p.exitValue());
        assertTrue(callsMade().isEmpty(), "the runtime was not run");
        assertFalse(Files.readString(tmp.resolve("shim.err")).isBlank(), "the shim said why");
    }

    @Test
    void theShimHoldsTheFifosAndRunsNothingUntilItsGo() throws Exception {
        try (Started s = new Started(null, false, runtime("echo ran", "exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            Thread.sleep(200);
            assertTrue(s.process.isAlive(), "waiting for its go");
            assertTrue(callsMade().isEmpty(), "nothing run before the go");
            s.go("go\n");
            assertEquals("exit 0 0", s.report.readLine());
            assertEquals(0, s.awaitExit());
            assertEquals("ran\n", s.drained(s.stdout));
        }
    }

    @Test
    void withoutAGoTheShimEndsWith125AndRunsNothing() throws Exception {
        // EOF: the agent gave up on the start (or died) before saying go; then lines that are no go
        for (String line : new String[] {"", "go", "stop\n", "gone /x\n", "go" + "x".repeat(5000) + "\n"}) {
            Files.deleteIfExists(calls);
            try (Started s = new Started(null, false, runtime("exit 0", "exit 0"))) {
                assertEquals("fifos", s.report.readLine());
                s.go(line);
                assertNull(s.report.readLine(), "no exit report for '" + line.substring(0, Math.min(line.length(), 10)) + "'");
                assertEquals(125, s.awaitExit());
                assertEquals("", s.drained(s.stdout), "the fifos were let go");
            }
            assertTrue(callsMade().isEmpty(), "the runtime was not run");
            assertFalse(Files.exists(dir.resolve("exit")), "no exit record");
        }
    }

    @Test
    void theGoLineCarriesTheOomCounterFileAndRefusesANewlineInIt() {
        assertEquals("go\n", Shim.goLine(""));
        assertEquals("go /sys/fs/cgroup/memory/gantry/c1/memory.oom_control\n",
                Shim.goLine("/sys/fs/cgroup/memory/gantry/c1/memory.oom_control"));
        assertThrows(IllegalArgumentException.class, () -> Shim.goLine("/a\nb"));
    }

    @Test
    void theCompiledShimSaysPidOnceTheRuntimeHasWrittenThePidFile() throws Exception {
        // as runc writes it: a hidden file renamed into place (crun writes it in place: both are seen)
        String writesPid = "echo 4242 >'" + dir.resolve(".init.pid") + "' && mv '" + dir.resolve(".init.pid") + "' '"
                + dir.resolve("init.pid") + "'; sleep 0.3; exit 0";
        try (Started s = new Started("", false, runtime(writesPid, "exit 0"))) {
            assertEquals("fifos", s.report.readLine());
            if (shim.reportsPid()) {
                assertEquals("pid 4242", s.report.readLine());
            }
            assertEquals("exit 0 0", s.report.readLine());
            assertEquals(0, s.awaitExit());
        }
    }
}
