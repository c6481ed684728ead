package io.gantry.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How {@code gantry events} prints the lines of the event stream. */
class EventsCommandTest {
  static final String DATA = "data:{\"epoch\":1,\"seq\":3,\"kind\":\"allocation\",\"id\":\"web-1\",\"change\":\"running\","
      + "\"job\":\"web\",\"node\":\"n1\",\"message\":\"started\",\"at\":\"2026-11-27T22:34:16.552123Z\"}";

  @Test
  void changesArePrintedOnePerLineAndEverythingElseIsSkipped() {
    assertEquals(Optional.of("2026-11-27T22:34:16.552Z  allocation.running         web-1  started"),
        EventsCommand.format(DATA, false));
    assertEquals(Optional.of(DATA.substring(5)), EventsCommand.format(DATA, true));
    assertEquals(Optional.empty(), EventsCommand.format("data:", false), "keep-alive");
    assertEquals(Optional.empty(), EventsCommand.format("event:allocation.running", false));
    assertEquals(Optional.empty(), EventsCommand.format("id:1-3", false));
    assertEquals(Optional.empty(), EventsCommand.format("", false));
  }
}
