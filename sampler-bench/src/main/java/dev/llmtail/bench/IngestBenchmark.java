package dev.llmtail.bench;

import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceGrouper;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Ingest per request of about 500 spans: protobuf decode alone, decode + grouping by trace id, and
 * decode + grouping + encoding each fragment as the buffer stores it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IngestBenchmark {

  private List<byte[]> requests;
  private int next;

  @Setup
  public void setUp() {
    requests = BenchData.requests();
  }

  private byte[] nextRequest() {
    next = (next + 1) % requests.size();
    return requests.get(next);
  }

  @Benchmark
  public int decode() {
    return BenchData.parse(nextRequest()).getResourceSpansCount();
  }

  @Benchmark
  public GroupedRequest decodeAndGroup() {
    return TraceGrouper.group(BenchData.parse(nextRequest()).getResourceSpansList());
  }

  @Benchmark
  public long decodeGroupAndStore() {
    long bytes = 0;
    for (TraceFragment f :
        TraceGrouper.group(BenchData.parse(nextRequest()).getResourceSpansList()).fragments()) {
      bytes += f.spans().toByteArray().length;
    }
    return bytes;
  }
}
