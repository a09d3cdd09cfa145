package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackpressureTest {

  private final AtomicLong buffered = new AtomicLong();
  private final AtomicBoolean exporterFull = new AtomicBoolean();
  private final Backpressure backpressure =
      new Backpressure(buffered::get, 1000, exporterFull::get, Duration.ofMillis(1500));

  @Test
  void admitsBelowNinetyPercentOfTheBufferBound() {
    buffered.set(899);
    assertThat(backpressure.check()).isNull();
  }

  @Test
  void refusesAsBufferFullFromNinetyPercentOfTheBufferBound() {
    buffered.set(900);
    Backpressure.Refusal refusal = backpressure.check();
    assertThat(refusal.kind()).isEqualTo(Backpressure.Kind.BUFFER_FULL);
    assertThat(refusal.message()).contains("900 of 900 bytes", "buffer.max_bytes");
    assertThat(refusal.retryAfter()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void aFullExporterIsReportedEvenWhenTheBufferIsAlsoFull() {
    buffered.set(1000);
    exporterFull.set(true);
    assertThat(backpressure.check().kind()).isEqualTo(Backpressure.Kind.EXPORTER_FULL);
  }
}
