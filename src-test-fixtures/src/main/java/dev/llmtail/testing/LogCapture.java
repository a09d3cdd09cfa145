package dev.llmtail.testing;

import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what one class logs through {@code System.Logger} (which the JDK routes to {@code
 * java.util.logging}), so a test can assert the lines a person would read. Close it to stop.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private LogCapture(Class<?> source) {
    this.logger = Logger.getLogger(source.getName());
    logger.addHandler(handler);
  }

  /** Starts recording what {@code source} logs. */
  public static LogCapture of(Class<?> source) {
    return new LogCapture(source);
  }

  /** Everything recorded so far, in order. */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The lines logged at {@code level}, with their parameters filled in. */
  public List<String> lines(Level level) {
    return records.stream()
        .filter(r -> r.getLevel().equals(level))
        .map(r -> MessageFormat.format(r.getMessage(), r.getParameters()))
        .toList();
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
  }
}
