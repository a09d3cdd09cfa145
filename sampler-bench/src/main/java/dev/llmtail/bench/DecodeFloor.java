package dev.llmtail.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.lang.management.ManagementFactory;
import java.util.List;

/** Row (a): the same requests, only parsed by protobuf-java, on one thread of this JVM. */
final class DecodeFloor {

  private DecodeFloor() {}

  static ReportTable.Row measure(BenchInput input, int warmupSeconds, int durationSeconds)
      throws InvalidProtocolBufferException {
    List<TrafficMix.Template> templates = input.templates();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    long warmupEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
    long sink = 0;
    int i = 0;
    while (System.nanoTime() < warmupEnd) {
      sink +=
          ExportTraceServiceRequest.parseFrom(templates.get(i++ % templates.size()).bytes())
              .getResourceSpansCount();
    }
    long cpu0 = threads.getCurrentThreadCpuTime();
    long allocated0 = threads.getThreadAllocatedBytes(self);
    long t0 = System.nanoTime();
    long end = t0 + durationSeconds * 1_000_000_000L;
    long spans = 0;
    long bytes = 0;
    while (System.nanoTime() < end) {
      TrafficMix.Template t = templates.get(i++ % templates.size());
      sink += ExportTraceServiceRequest.parseFrom(t.bytes()).getResourceSpansCount();
      spans += t.spans();
      bytes += t.bytes().length;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    long allocated = threads.getThreadAllocatedBytes(self) - allocated0;
    return new ReportTable.Row(
        "(a) decode floor",
        input.name(),
        spans / seconds,
        cpu / (spans / 1e6),
        input.spansPerTrace(),
        allocated / (double) spans,
        Double.NaN,
        Double.NaN,
        0,
        Double.NaN,
        bytes / (double) spans,
        0,
        0,
        0,
        sink > 0 ? "1 thread" : "?",
        "",
        Double.NaN);
  }
}
