package io.gantry.agent.bundle;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainerUserTest {

    @TempDir
    Path rootfs;

    @BeforeEach
    void image() throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001:app:/home/app:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1001:\nextra:x:2000:app,other\nmore:x:3000:other, app\n");
    }

    @Test
    void resolvesNamesAndNumbersFromTheImagesFiles() throws Exception {
        assertEquals(new ContainerUser(0, 0, List.of(), "/root"), ContainerUser.resolve("", rootfs));
        assertEquals(new ContainerUser(1000, 1001, List.of(2000L, 3000L), "/home/app"), ContainerUser.resolve("app", rootfs));
        assertEquals(new ContainerUser(1000, 1001, List.of(2000L, 3000L), "/home/app"), ContainerUser.resolve("1000", rootfs));
        assertEquals(new ContainerUser(1000, 2000, List.of(), "/home/app"), ContainerUser.resolve("app:extra", rootfs));
        assertEquals(new ContainerUser(1000, 77, List.of(), "/home/app"), ContainerUser.resolve("app:77", rootfs));
        assertEquals(new ContainerUser(4242, 0, List.of(), "/"), ContainerUser.resolve("4242", rootfs));
        assertEquals(new ContainerUser(4242, 3000, List.of(), "/"), ContainerUser.resolve("4242:more", rootfs));
    }

    @Test
    void unknownNamesAreClearErrors() {
        BundleException e = assertThrows(BundleException.class, () -> ContainerUser.resolve("bob", rootfs));
        assertTrue(e.getMessage().contains("unable to find user bob"), e.getMessage());
        e = assertThrows(BundleException.class, () -> ContainerUser.resolve("app:nogroup", rootfs));
        assertTrue(e.getMessage().contains("unable to find group nogroup"), e.getMessage());
    }

    @Test
    void neverReadsTheHostsFilesThroughASymlink() throws Exception {
        Files.delete(rootfs.resolve("etc/passwd"));
        // the host has /etc/shadow-like files at these names; inside the rootfs they don't exist
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/../../../../../etc/hostname"));
        assertEquals(rootfs.resolve("etc/hostname"), RootfsPaths.resolve(rootfs, "/etc/passwd"));
        BundleException e = assertThrows(BundleException.class, () -> ContainerUser.resolve("root", rootfs));
        assertTrue(e.getMessage().contains("unable to find user root"), e.getMessage());
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd"));
        e = assertThrows(BundleException.class, () -> ContainerUser.resolve("root", rootfs));
        assertTrue(e.getMessage().contains("too many symlinks"), e.getMessage());
    }

    @Test
    void rootfsPathsStayInsideTheRoot() throws Exception {
        Files.createDirectories(rootfs.resolve("a/b"));
        Files.createSymbolicLink(rootfs.resolve("a/up"), Path.of("../../../.."));
        Files.createSymbolicLink(rootfs.resolve("a/abs"), Path.of("/a/b"));
        assertEquals(rootfs.resolve("x"), RootfsPaths.resolve(rootfs, "/a/up/x"));
        assertEquals(rootfs.resolve("a/b/c"), RootfsPaths.resolve(rootfs, "/a/abs/c"));
        assertEquals(rootfs.resolve("etc"), RootfsPaths.resolve(rootfs, "/../../etc"));
        Files.createSymbolicLink(rootfs.resolve("loop"), Path.of("/loop"));
        assertThrows(java.io.IOException.class, () -> RootfsPaths.resolve(rootfs, "/loop/x"));
        Path made = RootfsPaths.mkdirs(rootfs, "/a/up/new/dir");
        assertEquals(rootfs.resolve("new/dir"), made);
        assertTrue(Files.isDirectory(made));
    }
}
