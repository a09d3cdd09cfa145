package dev.llmtail.server.receiver;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.SlicedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.server.storage.SpanLogFullException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What every OTLP receiver does with a trace export request it has read ({@link TraceSlicer}), so
 * that gRPC and HTTP behave the same: refuse it whole under {@link Backpressure}, or split it into
 * trace fragments of the request's own bytes, admit the valid spans to the buffer and report the
 * invalid ones as a partial success. A refused request is counted, never split.
 *
 * <p>Every span of a readable request is counted exactly once in {@code llmtail.receiver.spans}:
 * {@code accepted}, {@code rejected} (invalid ids, reported in partial success) or {@code refused}
 * (backpressure, the client retries). Thread-safe.
 */
public final class SpanIntake {

  /** The answer to one request. */
  public sealed interface Outcome {}

  /** Admitted; {@code rejectedSpans} were invalid and are explained in {@code message}. */
  public record Admitted(int acceptedSpans, int rejectedSpans, String message) implements Outcome {}

  /** Refused whole; the client should retry after the given delay. */
  public record Refused(Backpressure.Refusal refusal, int spans) implements Outcome {}

  private final TraceBuffer buffer;
  private final SpanLog spanLog;
  private final Backpressure backpressure;
  private final MeterRegistry meters;

  /** Each transport's span counters, looked up once instead of built for every request. */
  private final ConcurrentMap<String, SpanCounters> counters = new ConcurrentHashMap<>();

  public SpanIntake(TraceBuffer buffer, Backpressure backpressure, MeterRegistry meters) {
    this(buffer, SpanLog.memoryOnly(), backpressure, meters);
  }

  public SpanIntake(
      TraceBuffer buffer, SpanLog spanLog, Backpressure backpressure, MeterRegistry meters) {
    this.buffer = buffer;
    this.spanLog = spanLog;
    this.backpressure = backpressure;
    this.meters = meters;
    // At zero from the start, so that the alerts in docs/operations.md have a series to watch.
    for (String transport : List.of("grpc", "http")) {
      for (String result : List.of("accepted", "rejected", "refused")) {
        spansCounter(meters, transport, result);
      }
      invalidRequests(meters, transport);
      for (Backpressure.Kind kind : Backpressure.Kind.values()) {
        refusals(transport, kind);
      }
    }
  }

  private Counter refusals(String transport, Backpressure.Kind kind) {
    return Counter.builder("llmtail.receiver.refusals")
        .description("Export requests refused with a retryable error, by reason")
        .tag("transport", transport)
        .tag("reason", kind.name().toLowerCase(java.util.Locale.ROOT))
        .register(meters);
  }

  /** Whether {@link #accept} may wait on a disk write (the span log's), so not on an event loop. */
  public boolean waitsOnDisk() {
    return spanLog.durable();
  }

  /**
   * Admits or refuses one request that arrived over {@code transport} ({@code grpc}, {@code http}).
   */
  public Outcome accept(SlicedRequest request, String transport) {
    Backpressure.Refusal refusal = backpressure.check();
    GroupedRequest grouped = null;
    List<TraceFragment> logged = List.of();
    if (refusal == null) {
      grouped = request.group();
      try {
        // Written before the answer: a crash after this loses nothing that was acknowledged.
        // And before the buffer admits: a buffer that reads span bytes back from the log finds
        // every admitted fragment there (they come back with their position in the log).
        logged = spanLog.append(grouped.fragments(), List.of());
      } catch (SpanLogFullException e) {
        refusal = backpressure.storageFull(String.valueOf(e.getMessage()));
      }
    }
    if (refusal != null) {
      int spans = request.spanCount();
      spans(transport, "refused").increment(spans);
      refusals(transport, refusal.kind()).increment();
      return new Refused(refusal, spans);
    }
    return admit(
        logged, Objects.requireNonNull(grouped, "grouped whenever nothing refused"), transport);
  }

  /**
   * Admits an already grouped request without a backpressure check and without the span log: for a
   * receiver whose source is itself a durable log and that applies backpressure itself (Kafka
   * re-reads from its committed offset and pauses its partitions).
   */
  public Admitted admitUnlogged(GroupedRequest grouped, String transport) {
    return admit(grouped.fragments(), grouped, transport);
  }

  private Admitted admit(List<TraceFragment> fragments, GroupedRequest grouped, String transport) {
    buffer.admit(fragments);
    spans(transport, "accepted").increment(grouped.acceptedSpans());
    if (grouped.rejectedSpans() > 0) {
      spans(transport, "rejected").increment(grouped.rejectedSpans());
    }
    return new Admitted(
        grouped.acceptedSpans(), grouped.rejectedSpans(), grouped.rejectionMessage());
  }

  /** Counts a request whose body could not be decoded (its spans cannot be counted). */
  public void invalid(String transport) {
    invalidRequests(meters, transport).increment();
  }

  static Counter invalidRequests(MeterRegistry meters, String transport) {
    return Counter.builder("llmtail.receiver.requests.invalid")
        .description("Export requests refused as unparseable")
        .tag("transport", transport)
        .register(meters);
  }

  private Counter spans(String transport, String result) {
    SpanCounters c =
        counters.computeIfAbsent(
            transport,
            t ->
                new SpanCounters(
                    spansCounter(meters, t, "accepted"),
                    spansCounter(meters, t, "rejected"),
                    spansCounter(meters, t, "refused")));
    return switch (result) {
      case "accepted" -> c.accepted();
      case "rejected" -> c.rejected();
      case "refused" -> c.refused();
      default -> throw new IllegalArgumentException("no span counter for result '" + result + "'");
    };
  }

  private record SpanCounters(Counter accepted, Counter rejected, Counter refused) {}

  static Counter spansCounter(MeterRegistry meters, String transport, String result) {
    return Counter.builder("llmtail.receiver.spans")
        .description(
            "Spans received, by transport and result: accepted, rejected (invalid, partial success)"
                + " or refused (backpressure, retryable)")
        .tag("transport", transport)
        .tag("result", result)
        .register(meters);
  }

  /** The spans of a decoded request (what {@link SlicedRequest#spanCount()} counts undecoded). */
  static int countSpans(ExportTraceServiceRequest request) {
    int spans = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans += ss.getSpansCount();
      }
    }
    return spans;
  }
}
