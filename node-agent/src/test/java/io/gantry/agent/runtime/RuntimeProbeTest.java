package io.gantry.agent.runtime;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probes the real runtimes installed here (runc, crun) and checks the verdicts and reasons. */
class RuntimeProbeTest {

    @TempDir
    Path tmp;

    @TempDir
    Path shims;

    @ParameterizedTest(name = "{0} shim")
    @FieldSource("io.gantry.agent.runtime.RealContainers#SHIM_KINDS")
    void runcWorksAndEveryRejectionSaysWhy(String shimKind) {
        BusyboxRootfs.assumeRealContainers();
        Shim shim = RealContainers.shim(shimKind, shims);
        RuntimeProbe.Report report = new RuntimeProbe(tmp, RealContainers.CGROUP_PARENT, shim).probe(RuntimeProbe.defaultCandidates());
        System.out.println(report.summary());
        assertEquals("runc", report.chosen().orElseThrow().candidate().label(), report.summary());
        for (RuntimeProbe.Result r : report.results()) {
            assertTrue(r.works() || !r.reason().isBlank(), r.toString());
        }
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "probe scratch space cleaned up");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void onAHybridCgroupHostPlainCrunIsRejectedWithItsOwnErrorAndTheWorkaroundWorks() {
        BusyboxRootfs.assumeRealContainers();
        Assumptions.assumeTrue(OciRuntimeBinary.findOnPath("crun").isPresent(), "needs crun (Debian package crun)");
        CgroupLayout layout = CgroupLayout.detect();
        Assumptions.assumeTrue(layout.v1Memory().isPresent() && layout.unified().isPresent(),
                "only meaningful on a hybrid cgroup v1 + v2 host");
        Path crun = OciRuntimeBinary.findOnPath("crun").orElseThrow();
        RuntimeProbe.Report report = new RuntimeProbe(tmp, RealContainers.CGROUP_PARENT, Shim.select("auto", shims)).probe(List.of(
                new RuntimeProbe.Candidate("crun", OciRuntimeBinary.crun(crun)),
                new RuntimeProbe.Candidate("crun-privatens", OciRuntimeBinary.crunWithoutUnifiedMount(crun))));
        System.out.println(report.summary());
        RuntimeProbe.Result plain = report.results().get(0);
        assertFalse(plain.works());
        assertTrue(plain.reason().contains("hybrid"), plain.reason());
        assertTrue(report.results().get(1).works(), report.summary());
    }
}
