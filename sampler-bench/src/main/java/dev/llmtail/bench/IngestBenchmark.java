package dev.llmtail.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Ingest per request of 50 traces (about 500 spans of the mix, or of the llm input's prompt-sized
 * spans): protobuf decode alone (the floor the receivers no longer pay), walking the request as the
 * receivers do ({@code slice}: checked and counted, what a refused request costs), and walking +
 * splitting it into trace fragments of the request's bytes, which the buffer stores as they are.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IngestBenchmark {

  /** The bench's input: {@code mix} or {@code llm}. */
  @Param({"mix", "llm"})
  public String input;

  private List<byte[]> requests;
  private int next;

  @Setup
  public void setUp() {
    requests = BenchData.requests(input);
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
  public int slice() throws InvalidProtocolBufferException {
    return TraceSlicer.slice(nextRequest()).spanCount();
  }

  @Benchmark
  public long sliceGroupAndStore() throws InvalidProtocolBufferException {
    GroupedRequest grouped = TraceSlicer.slice(nextRequest()).group();
    long bytes = 0;
    for (TraceFragment f : grouped.fragments()) {
      bytes += f.encoded().length;
    }
    return bytes;
  }
}
