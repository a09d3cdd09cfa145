package dev.llmtail.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.ingest.SlicedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The JMH benchmarks' input: the load generator's traffic mix, and the shipped policy set. */
final class BenchData {

  /** Requests of 50 traces (about 500 spans) each, as the load generator sends them. */
  static final int REQUESTS = 8;

  private BenchData() {}

  /** The encoded requests (stamped once, so every trace id is distinct). */
  static List<byte[]> requests() {
    return requests("mix");
  }

  /**
   * The encoded requests of the bench's input {@code mix} or {@code llm} (the generator's LLM-only
   * traffic, with prompts and outputs of a few KiB), stamped once.
   */
  static List<byte[]> requests(String input) {
    List<byte[]> requests = new ArrayList<>();
    long seq = 1;
    for (TrafficMix.Template t : templates(input)) {
      requests.add(t.stamp(seq));
      seq += t.traces();
    }
    return requests;
  }

  /** The requests of {@link #requests(String)} before stamping: 50 traces each. */
  static List<TrafficMix.Template> templates(String input) {
    return switch (input) {
      case "mix" -> TrafficMix.build(REQUESTS, 50, 7);
      case "llm" -> TrafficMix.llm(REQUESTS, 50, 7);
      default ->
          throw new IllegalArgumentException(
              "input: " + input + " (expected: mix or llm, as in --inputs)");
    };
  }

  /**
   * A buffer's settings for the benchmarks that admit and decide on their own thread: a 10-s quiet
   * period and room for 100 000 traces and 1 GiB, so that nothing is decided early.
   */
  static BufferSettings bufferSettings() {
    return new BufferSettings(
        Duration.ofSeconds(10),
        Duration.ofMinutes(5),
        100_000,
        1L << 30,
        2_000,
        Duration.ofMinutes(10));
  }

  /**
   * Every trace of {@link #requests}, as the buffer hands it to the engine (not yet normalised).
   */
  static List<TraceView> traces() {
    List<TraceView> views = new ArrayList<>();
    for (byte[] request : requests()) {
      for (TraceFragment f : slice(request).group().fragments()) {
        views.add(TraceView.of(f.traceId(), List.of(f.spans())));
      }
    }
    return views;
  }

  static SlicedRequest slice(byte[] request) {
    try {
      return TraceSlicer.slice(request);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static ExportTraceServiceRequest parse(byte[] request) {
    try {
      return ExportTraceServiceRequest.parseFrom(request);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The policies of the shipped {@code config/llmtail.yaml} (set {@code -Dllmtail.config}
   * elsewhere).
   */
  static List<NamedPolicy> shippedPolicies() {
    return shippedConfig(Map.of()).policies();
  }

  /**
   * The shipped {@code config/llmtail.yaml} (set {@code -Dllmtail.config} elsewhere), its {@code
   * ${env:…}} references resolved from {@code environment}.
   */
  static LlmtailConfig shippedConfig(Map<String, String> environment) {
    Path file = Path.of(System.getProperty("llmtail.config", "config/llmtail.yaml"));
    try {
      return ConfigLoader.withEnvironment(environment).parse(file, Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ConfigException e) {
      throw new IllegalStateException(e);
    }
  }
}
