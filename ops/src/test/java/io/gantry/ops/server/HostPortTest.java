package io.gantry.ops.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void parses() {
    assertEquals(new HostPort("127.0.0.1", 7070), HostPort.parse("127.0.0.1:7070"));
    assertEquals(new HostPort("localhost", 0), HostPort.parse("localhost:0"));
    assertEquals(new HostPort("::1", 7070), HostPort.parse("[::1]:7070"));
    assertEquals("[::1]:7070", HostPort.parse("[::1]:7070").toString());
  }

  @Test
  void rejectsWithReason() {
    for (String bad : new String[] {"7070", ":7070", "host:", "host:x", "host:65536", "::1:7070", "[::1]7070"}) {
      assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
    }
  }
}
