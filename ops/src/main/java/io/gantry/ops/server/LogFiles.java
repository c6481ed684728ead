package io.gantry.ops.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Adds {@code DATA_DIR/logs/gantry.log} (text or JSON lines) to the root logger while a server runs. Done in code
 * rather than in logback.xml because the data directory is only known once the node's
 * config is read, after logging has started.
 */
final class LogFiles implements AutoCloseable {
  private final RollingFileAppender<ILoggingEvent> appender;

  private LogFiles(RollingFileAppender<ILoggingEvent> appender) {
    this.appender = appender;
  }

  static LogFiles attach(Path logsDir, LogFormat format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      throw new IllegalStateException("logback is not the slf4j backend; cannot log to " + logsDir);
    }
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setName("GANTRY_FILE");
    appender.setFile(logsDir.resolve("gantry.log").toString());

    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(appender);
    policy.setFileNamePattern(logsDir.resolve("gantry.%d{yyyy-MM-dd}.%i.log.gz").toString());
    policy.setMaxFileSize(FileSize.valueOf("10MB"));
    policy.setMaxHistory(7);
    policy.setTotalSizeCap(FileSize.valueOf("200MB"));
    policy.start();
    appender.setRollingPolicy(policy);

    appender.setEncoder(format.encoder(context, LogFormat.FILE_PATTERN));
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    return new LogFiles(appender);
  }

  @Override
  public void close() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    }
    appender.stop();
  }
}
