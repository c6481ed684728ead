package io.gantry.ops.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * How a node writes its log lines: {@code text} for people, {@code json} (one object per line,
 * logback's built-in {@link JsonEncoder}) for log shippers. Set by {@code gantry.logs.format},
 * which defaults to the environment's {@code GANTRY_LOG_FORMAT}.
 */
public enum LogFormat {
  TEXT,
  JSON;

  static final String FILE_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

  /** @throws IllegalArgumentException naming the accepted values */
  public static LogFormat parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("log format must be text or json, got '" + value + "'");
    };
  }

  /** {@code gantry.logs.format} of a node's config, checked. */
  public static LogFormat from(Config config) {
    String path = "gantry.logs.format";
    try {
      return parse(config.getString(path));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue(config.origin(), path, e.getMessage());
    }
  }

  /** A started encoder for this format; {@code pattern} is the text layout. */
  Encoder<ILoggingEvent> encoder(LoggerContext context, String pattern) {
    if (this == JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      // The context (logger context name, birth time, properties) would repeat on every line.
      json.setWithContext(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(pattern);
    text.start();
    return text;
  }

  /**
   * Makes the root logger's console appenders write this format. logback.xml already follows
   * GANTRY_LOG_FORMAT; this covers a format set only in the node's config file, which is
   * read after logging has started.
   */
  void applyToConsole(LoggerContext context) {
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    List<ConsoleAppender<ILoggingEvent>> consoles = new ArrayList<>();
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
        consoles.add(console);
      }
    }
    for (ConsoleAppender<ILoggingEvent> console : consoles) {
      boolean isJson = console.getEncoder() instanceof JsonEncoder;
      if (isJson != (this == JSON)) {
        console.setEncoder(encoder(context, "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n"));
      }
    }
  }
}
