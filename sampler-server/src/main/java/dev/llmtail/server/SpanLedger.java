package dev.llmtail.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;

/**
 * The span accounting invariant, read from the meters every component already keeps:
 *
 * <pre>
 * accepted + recovered from disk (spill directory, span log) + promoted (dropped, then kept)
 *   = exported (sent + rejected_by_backend + failed) + dropped by a decision
 *   + found corrupt on disk + handed back (Kafka: a revoked partition's, re-read by its new owner)
 *   + still buffered + queued in memory + spilled to disk
 * </pre>
 *
 * <p>Spans rejected (invalid) or refused (backpressure) are answered to the client and never enter.
 * {@link #unaccounted} is the difference, published as {@code llmtail.spans.unaccounted}: zero
 * whenever llmtail is at rest; briefly positive or negative while spans move between stages; a
 * value that stays away from zero is a bug. Thread-safe; reads only.
 */
final class SpanLedger {

  private final MeterRegistry meters;

  SpanLedger(MeterRegistry meters) {
    this.meters = meters;
    Gauge.builder("llmtail.spans.unaccounted", this, SpanLedger::unaccounted)
        .description(
            "Spans accepted but found in no stage: should be 0 at rest; anything else is a bug")
        .register(meters);
  }

  /** Spans accepted from clients or recovered from the spill directory or the span log. */
  long in() {
    return counted(meters.find("llmtail.receiver.spans").tag("result", "accepted"))
        + counted(meters.find("llmtail.exporter.spill.recovered"))
        + counted(meters.find("llmtail.storage.spans.recovered"))
        + counted(meters.find("llmtail.spans.promoted"));
  }

  /** Spans that left (exported, failed, dropped by decision) or are held somewhere. */
  long out() {
    return counted(meters.find("llmtail.exporter.spans"))
        + counted(meters.find("llmtail.spans.dropped"))
        + counted(meters.find("llmtail.exporter.spill.corrupt"))
        + counted(meters.find("llmtail.kafka.spans.handed_back"))
        + gauged(meters.find("llmtail.buffer.spans"))
        + gauged(meters.find("llmtail.exporter.queue.spans"))
        + gauged(meters.find("llmtail.exporter.spill.spans"));
  }

  long unaccounted() {
    return in() - out();
  }

  /** Spans sent to the backend or written to the file. */
  long exported() {
    return counted(meters.find("llmtail.exporter.spans").tag("result", "sent"));
  }

  /** Spans answered with a retryable refusal or rejected as invalid. */
  long turnedAway() {
    return counted(meters.find("llmtail.receiver.spans").tag("result", "refused"))
        + counted(meters.find("llmtail.receiver.spans").tag("result", "rejected"));
  }

  @Override
  public String toString() {
    return "accepted+recovered=%d exported=%d dropped=%d buffered=%d queued=%d spilled=%d failed=%d unaccounted=%d"
        .formatted(
            in(),
            exported(),
            counted(meters.find("llmtail.spans.dropped")),
            gauged(meters.find("llmtail.buffer.spans")),
            gauged(meters.find("llmtail.exporter.queue.spans")),
            gauged(meters.find("llmtail.exporter.spill.spans")),
            counted(meters.find("llmtail.exporter.spans").tag("result", "failed")),
            unaccounted());
  }

  private static long counted(Search search) {
    double sum = 0;
    for (Counter c : search.counters()) {
      sum += c.count();
    }
    return Math.round(sum);
  }

  private static long gauged(Search search) {
    double sum = 0;
    for (Gauge g : search.gauges()) {
      sum += g.value();
    }
    return Math.round(sum);
  }
}
