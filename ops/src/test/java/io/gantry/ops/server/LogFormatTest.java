package io.gantry.ops.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFormatTest {
  @TempDir
  Path tmp;

  @Test
  void configChoosesTheFormatAndRejectsOthersByName() throws Exception {
    assertEquals(LogFormat.TEXT, LogFormat.from(GantryConfig.load(ServerFlags.none()).config()));
    Path json = tmp.resolve("json.conf");
    Files.writeString(json, "gantry.logs.format = JSON\n");
    assertEquals(LogFormat.JSON, LogFormat.from(GantryConfig.load(ServerFlags.none().withConfigFile(json)).config()));

    Path bad = tmp.resolve("bad.conf");
    Files.writeString(bad, "gantry.logs.format = xml\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> GantryConfig.load(ServerFlags.none().withConfigFile(bad)));
    assertTrue(e.getMessage().contains("gantry.logs.format") && e.getMessage().contains("text or json"), e.getMessage());
  }

  @Test
  void jsonLinesCarryLevelLoggerAndFormattedMessage() throws Exception {
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    Encoder<ILoggingEvent> encoder = LogFormat.JSON.encoder(context, LogFormat.FILE_PATTERN);
    LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("io.gantry.Test"), Level.WARN,
        "pulled {} of {}", null, new Object[] {"layer \"a\"", 3});
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line per event: " + line);
    JsonNode json = new ObjectMapper().readTree(line);
    assertEquals("WARN", json.path("level").asText());
    assertEquals("io.gantry.Test", json.path("loggerName").asText());
    assertEquals("pulled layer \"a\" of 3", json.path("formattedMessage").asText());
    assertTrue(json.path("timestamp").asLong() > 0);
    assertTrue(json.path("context").isMissingNode(), "no per-line logger context: " + line);

    String text = new String(LogFormat.TEXT.encoder(context, LogFormat.FILE_PATTERN).encode(event), StandardCharsets.UTF_8);
    assertTrue(text.contains("WARN") && text.contains("pulled layer \"a\" of 3"), text);
  }
}
