package dev.llmtail.server.exporter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RetryClock} that stands still until a wait moves it forward, and remembers the waits.
 */
final class FakeRetryClock implements RetryClock {

  private long now = 1_000_000_000L;
  private final List<Duration> waits = new ArrayList<>();

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public void sleep(long nanos) {
    waits.add(Duration.ofNanos(nanos));
    now += nanos;
  }

  List<Duration> waits() {
    return waits;
  }

  Duration elapsed() {
    return waits.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
