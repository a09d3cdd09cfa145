package dev.llmtail.bench;

import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.TraceBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Two realistic, repeatable LLM traffic inputs, pre-encoded as OTLP export requests.
 *
 * <p>{@link #build} (the "mix"): each trace is an outer {@code POST /chat} HTTP span with 1–4 LLM
 * calls (usage and finish reasons, in one of the instrumentation dialects), plus retrieval and tool
 * spans so that a trace has 6–14 spans, 10 on average. One LLM span in five carries 2–8 KiB of
 * captured message content; one trace in fifty has a failed LLM call. A request holds whole traces
 * whose spans are shuffled under one resource and scope, as an SDK batch span processor sends them.
 *
 * <p>{@link #llm} (the "llm" input, shaped like LLM traffic): each trace is a {@code POST
 * /support/chat} request span, one or two LLM calls and one tool span (3–4 spans), with 2–8 KiB
 * prompts and outputs captured on every LLM span, in the dialects the recordings of {@code
 * src-test-fixtures/recorded} show capturing content (OpenTelemetry GenAI {@code
 * gen_ai.input.messages}/{@code gen_ai.output.messages} twice as often as OpenInference {@code
 * input.value}/{@code output.value} and OpenLLMetry's flattened {@code gen_ai.prompt.N.content}).
 *
 * <p>Requests are encoded once. {@link Template#stamp} copies one and overwrites the first 8 bytes
 * of every trace id with a fresh sequence number, so that every sent trace is new to llmtail while
 * the bytes (and the 56 random low bits the probabilistic policy reads) stay the same run to run.
 */
final class TrafficMix {

  /** Average spans per trace the mix aims for. */
  static final int SPANS_PER_TRACE = 10;

  private static final String[] LOREM =
      "the order shipped from the warehouse in rotterdam and the customer asked whether the refund for the damaged item was processed before the invoice date"
          .split(" ");

  private TrafficMix() {}

  /**
   * One pre-encoded request.
   *
   * @param bytes the encoded {@code ExportTraceServiceRequest}
   * @param spans spans in the request
   * @param traces traces in the request
   * @param idOffsets where each trace id starts in {@code bytes}
   * @param traceOfOffset which trace (0..traces-1) each offset belongs to
   */
  @SuppressWarnings("ArrayRecordComponent") // built once per run, never compared or hashed
  record Template(byte[] bytes, int spans, int traces, int[] idOffsets, int[] traceOfOffset) {

    /** A copy whose traces are numbered {@code firstSeq}, {@code firstSeq + 1}, … */
    byte[] stamp(long firstSeq) {
      byte[] copy = bytes.clone();
      ByteBuffer b = ByteBuffer.wrap(copy);
      for (int i = 0; i < idOffsets.length; i++) {
        b.putLong(idOffsets[i], firstSeq + traceOfOffset[i]);
      }
      return copy;
    }
  }

  /** The sequence number a stamped trace id carries. */
  static long sequenceOf(com.google.protobuf.ByteString traceId) {
    return traceId.size() == 16 ? traceId.substring(0, 8).asReadOnlyByteBuffer().getLong() : -1;
  }

  /** One trace of an input, from the input's seeded generator. */
  private interface TraceShape {
    TraceBuilder trace(Random rnd, String hexId, int traceNo);
  }

  /** The mix: {@code requests} requests of {@code tracesPerRequest} 6–14-span traces each. */
  static List<Template> build(int requests, int tracesPerRequest, long seed) {
    return encode(requests, tracesPerRequest, seed, TrafficMix::trace);
  }

  /**
   * The LLM-shaped input: {@code requests} requests of {@code tracesPerRequest} 3–4-span traces.
   */
  static List<Template> llm(int requests, int tracesPerRequest, long seed) {
    return encode(requests, tracesPerRequest, seed, TrafficMix::llmTrace);
  }

  private static List<Template> encode(
      int requests, int tracesPerRequest, long seed, TraceShape shape) {
    Random rnd = new Random(seed);
    List<Template> templates = new ArrayList<>(requests);
    int traceNo = 0;
    for (int r = 0; r < requests; r++) {
      List<Span> spans = new ArrayList<>();
      Map<Key, Integer> traceIndex = new HashMap<>();
      ResourceSpans first = null;
      for (int t = 0; t < tracesPerRequest; t++) {
        byte[] id = new byte[16];
        rnd.nextBytes(id);
        TraceBuilder trace = shape.trace(rnd, HexFormat.of().formatHex(id), traceNo++);
        ResourceSpans rs = trace.resourceSpans();
        first = first == null ? rs : first;
        spans.addAll(rs.getScopeSpans(0).getSpansList());
        traceIndex.put(new Key(id, 8), t);
      }
      Collections.shuffle(spans, rnd);
      ExportTraceServiceRequest request =
          ExportTraceServiceRequest.newBuilder()
              .addResourceSpans(
                  ResourceSpans.newBuilder()
                      .setResource(first.getResource())
                      .addScopeSpans(
                          ScopeSpans.newBuilder()
                              .setScope(first.getScopeSpans(0).getScope())
                              .addAllSpans(spans)))
              .build();
      templates.add(template(request.toByteArray(), spans.size(), tracesPerRequest, traceIndex));
    }
    return templates;
  }

  /** Finds every span's trace id: field 1 of Span, tag 0x0A, length 16. */
  private static Template template(
      byte[] bytes, int spans, int traces, Map<Key, Integer> traceIndex) {
    List<int[]> found = new ArrayList<>();
    for (int i = 0; i + 18 <= bytes.length; i++) {
      if (bytes[i] == 0x0A && bytes[i + 1] == 0x10) {
        Integer t = traceIndex.get(new Key(java.util.Arrays.copyOfRange(bytes, i + 2, i + 18), 8));
        if (t != null) {
          found.add(new int[] {i + 2, t});
          i += 17;
        }
      }
    }
    if (found.size() != spans) {
      throw new IllegalStateException(
          "found " + found.size() + " trace ids for " + spans + " spans");
    }
    int[] offsets = new int[found.size()];
    int[] owners = new int[found.size()];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = found.get(i)[0];
      owners[i] = found.get(i)[1];
    }
    return new Template(bytes, spans, traces, offsets, owners);
  }

  /** The low 8 bytes of a trace id: the part stamping leaves alone. */
  private record Key(long low) {
    Key(byte[] id, int from) {
      this(ByteBuffer.wrap(id, from, 8).getLong());
    }
  }

  private static final Dialect[] DIALECTS = {
    Dialect.OTEL_GENAI, Dialect.OTEL_GENAI, Dialect.OTEL_GENAI, Dialect.OTEL_GENAI_LEGACY,
    Dialect.OPENINFERENCE, Dialect.TRACELOOP_LEGACY, Dialect.VERCEL_AI_SDK, Dialect.SPRING_AI
  };

  private static TraceBuilder trace(Random rnd, String hexId, int traceNo) {
    Dialect dialect = DIALECTS[rnd.nextInt(DIALECTS.length)];
    int calls = 1 + rnd.nextInt(4);
    boolean failing = traceNo % 50 == 7; // 2 %
    LlmCallSpec[] specs = new LlmCallSpec[calls];
    long at = 80;
    for (int c = 0; c < calls; c++) {
      long duration = 300L + rnd.nextInt(2500);
      LlmCallSpec spec = LlmCallSpec.healthy().at(at, duration);
      at += duration + 20 + rnd.nextInt(200);
      switch (rnd.nextInt(3)) {
        case 0 -> spec.models("gpt-4o", "gpt-4o-2024-08-06");
        case 1 -> spec.models("gpt-4o-mini", "gpt-4o-mini-2024-07-18");
        default -> spec.provider("anthropic").models("claude-sonnet-4-5", "claude-sonnet-4-5");
      }
      spec.usage(200L + rnd.nextInt(3000), 50L + rnd.nextInt(700));
      spec.finishReason(rnd.nextInt(4) == 0 ? "tool_calls" : "stop");
      if (dialect.expressesStreaming() && rnd.nextInt(3) == 0) {
        spec.streaming();
      }
      if (rnd.nextInt(5) == 0) {
        spec.prompt(content(rnd, 2048 + rnd.nextInt(6 * 1024)));
      } else {
        spec.prompt(
            "question "
                + c
                + " of request "
                + traceNo
                + ": where is order #"
                + rnd.nextInt(100_000)
                + "?");
      }
      if (failing && c == calls - 1) {
        spec.error("500").finishReason(null).usage(null, null);
      }
      specs[c] = spec;
    }
    // As LlmTraces.chat builds it, under an id of our own.
    TraceBuilder rebuilt = TraceBuilder.trace(hexId).service("chat-api");
    TraceBuilder.SpanBuilder root = rebuilt.root("POST /chat").durationMillis(at + 50);
    root.attribute("http.request.method", "POST")
        .attribute("http.route", "/chat")
        .attribute("http.response.status_code", failing ? 500L : 200L)
        .attribute("url.scheme", "https")
        .attribute("user_agent.original", "Mozilla/5.0 (benchmark)");
    for (LlmCallSpec spec : specs) {
      dialect.write(root, spec);
    }
    int have = rebuilt.resourceSpans().getScopeSpans(0).getSpansCount();
    int target = SPANS_PER_TRACE - 4 + rnd.nextInt(9);
    for (int extra = 0; have + extra < target; extra++) {
      if (extra == 0) {
        root.child("retrieve documents")
            .startMillis(20)
            .durationMillis(40 + rnd.nextInt(60))
            .attribute("db.system.name", "postgresql")
            .attribute("db.operation.name", "SELECT")
            .attribute(
                "db.query.text", "SELECT id, body FROM docs ORDER BY embedding <-> $1 LIMIT 5")
            .attribute("gen_ai.operation.name", "retrieval");
      } else {
        root.child("execute_tool get_order_status")
            .startMillis(60 + extra)
            .durationMillis(5 + rnd.nextInt(100))
            .attribute("gen_ai.operation.name", "execute_tool")
            .attribute("gen_ai.tool.name", "get_order_status")
            .attribute("gen_ai.tool.call.id", "call_" + Long.toHexString(rnd.nextLong()));
      }
    }
    return rebuilt;
  }

  private static final Dialect[] CAPTURING_DIALECTS = {
    Dialect.OTEL_GENAI, Dialect.OTEL_GENAI, Dialect.OPENINFERENCE, Dialect.TRACELOOP_LEGACY
  };

  /**
   * A request span, one or two LLM calls (the first asking for the tool when there are two) and the
   * tool's span; every LLM span captures a 2–8 KiB prompt and a 2–8 KiB output.
   */
  private static TraceBuilder llmTrace(Random rnd, String hexId, int traceNo) {
    Dialect dialect = CAPTURING_DIALECTS[rnd.nextInt(CAPTURING_DIALECTS.length)];
    int calls = 1 + rnd.nextInt(2);
    boolean failing = traceNo % 50 == 7; // 2 %
    TraceBuilder trace = TraceBuilder.trace(hexId).service("support-chat");
    TraceBuilder.SpanBuilder root = trace.root("POST /support/chat");
    long at = 30;
    for (int c = 0; c < calls; c++) {
      long duration = 400L + rnd.nextInt(3000);
      LlmCallSpec spec = LlmCallSpec.healthy().at(at, duration);
      at += duration + 10;
      if (rnd.nextInt(3) == 0) {
        spec.provider("anthropic").models("claude-sonnet-4-5", "claude-sonnet-4-5");
      } else {
        spec.models("gpt-4o", "gpt-4o-2024-08-06");
      }
      spec.usage(600L + rnd.nextInt(2000), 300L + rnd.nextInt(1500))
          .finishReason(c < calls - 1 ? "tool_calls" : "stop")
          .prompt(content(rnd, 2048 + rnd.nextInt(6 * 1024)))
          .output(content(rnd, 2048 + rnd.nextInt(6 * 1024)))
          .attribute("gen_ai.response.id", "chatcmpl-" + Long.toHexString(rnd.nextLong()));
      if (dialect.expressesStreaming() && rnd.nextInt(3) == 0) {
        spec.streaming();
      }
      if (failing && c == calls - 1) {
        spec.error("500").finishReason(null).usage(null, null);
      }
      dialect.write(root, spec);
      if (c == 0) {
        long toolDuration = 5L + rnd.nextInt(200);
        root.child("execute_tool lookup_order")
            .startMillis(at)
            .durationMillis(toolDuration)
            .attribute("gen_ai.operation.name", "execute_tool")
            .attribute("gen_ai.tool.name", "lookup_order")
            .attribute("gen_ai.tool.call.id", "call_" + Long.toHexString(rnd.nextLong()))
            .attribute("gen_ai.tool.type", "function")
            .attribute(
                "gen_ai.tool.call.arguments", "{\"order_id\":\"" + rnd.nextInt(100_000) + "\"}")
            .attribute(
                "gen_ai.tool.call.result",
                "{\"status\":\"shipped\",\"eta\":\"2026-12-0" + (1 + rnd.nextInt(9)) + "\"}");
        at += toolDuration + 10;
      }
    }
    root.durationMillis(at + 20)
        .attribute("http.request.method", "POST")
        .attribute("http.route", "/support/chat")
        .attribute("http.response.status_code", failing ? 500L : 200L)
        .attribute("url.path", "/support/chat")
        .attribute("url.scheme", "http")
        .attribute("server.address", "support.internal")
        .attribute("user_agent.original", "support-web/2.3.1");
    return trace;
  }

  private static String content(Random rnd, int size) {
    StringBuilder b = new StringBuilder(size + 16);
    while (b.length() < size) {
      b.append(LOREM[rnd.nextInt(LOREM.length)]).append(' ');
    }
    return b.toString();
  }
}
