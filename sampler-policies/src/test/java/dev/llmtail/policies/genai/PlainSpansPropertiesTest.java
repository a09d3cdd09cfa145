package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.llmtail.core.Evaluation;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The normaliser's fast path reads what its general path reads: a span {@link PlainSpans} rules out
 * is no call, wrapper or grading span and carries no result, and on random traces — every dialect's
 * deciding keys with values of every type and case, repeated span ids, ids of other lengths,
 * missing and looping parents — the facts and the ignored-value counts are those of reading every
 * span.
 */
class PlainSpansPropertiesTest {

  private static final String[] NAMES = {
    "POST /chat",
    "chat gpt-4o",
    "execute_tool lookup",
    "ai.streamText",
    "ai.streamText.doStream",
    "ai.generateText",
    "ai.toolCall",
    "ChatOpenAI",
    "evaluate"
  };

  private static final String[] KEYS = {
    "gen_ai.operation.name",
    "gen_ai.operation.name",
    "gen_ai.operation.name",
    "openinference.span.kind",
    "llm.request.type",
    "gen_ai.system",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.evaluation.name",
    "gen_ai.evaluation.score.label",
    "gen_ai.evaluation.score.value",
    "gen_ai.guardrail.result.type",
    "gen_ai.guardrail.result.value",
    "gen_ai.guardrail.risk.score",
    "evaluations.0.evaluation.name",
    "evaluations.99999999999.evaluation.label",
    "annotations.1.annotation.label",
    "annotations.0.annotation.annotator_kind",
    "gen_ai.tool.name",
    "gen_ai.usage.input_tokens",
    "gen_ai.completion.0.content",
    "gen_ai.completion.0.finish_reason",
    "llm.model_name",
    "llm.token_count.prompt",
    "http.request.method",
    "db.system.name",
    "annotations",
    "evaluations.",
    "o",
    ""
  };

  private static final String[] TEXTS = {
    "chat",
    "CHAT",
    " chat ",
    "embeddings",
    "execute_tool",
    "retrieval",
    "invoke_agent",
    "Invoke_Agent",
    "apply_guardrail",
    "APPLY_GUARDRAIL",
    "LLM",
    "embedding",
    "EVALUATOR",
    "guardrail",
    "CHAIN",
    "",
    "  ",
    "\u0001",
    "gpt-4o",
    "12",
    "x",
    "HUMAN",
    "fail",
    "true",
    "İNVOKE_AGENT",
    "\u212Aind",
    "ſtop"
  };

  @Property(tries = 3000)
  void aPlainSpanHasNothingToRead(@ForAll long seed) {
    Random rnd = new Random(seed);
    Span span = span(rnd, ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), null);
    SpanView s = new SpanView(span, Resource.getDefaultInstance(), scope());
    List<String> ignored = new ArrayList<>();
    SpanAttributes a = new SpanAttributes(span.getAttributesList(), ignored::add);
    List<Evaluation> results = new ArrayList<>();
    Evaluations.read(s, a, ignored::add, results);

    boolean readable =
        CallSpans.roleOf(s, a) != CallSpans.Role.NONE
            || JudgeCalls.grades(a)
            || !results.isEmpty()
            || !ignored.isEmpty();
    if (PlainSpans.plain(s)) {
      assertThat(readable).as("%s", span).isFalse();
    }
  }

  @Property(tries = 2000)
  void readsWhatReadingEverySpanReads(@ForAll long seed) {
    Random rnd = new Random(seed);
    int n = 1 + rnd.nextInt(9);
    List<ByteString> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int length = rnd.nextInt(20) == 0 ? 4 : 8;
      byte[] id = new byte[length];
      id[length - 1] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 10 + i); // some repeat
      ids.add(ByteString.copyFrom(id));
    }
    ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(scope());
    for (int i = 0; i < n; i++) {
      ByteString parent =
          switch (rnd.nextInt(4)) {
            case 0 -> null;
            case 1 -> ByteString.copyFrom(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}); // never arrived
            default -> ids.get(rnd.nextInt(n)); // perhaps itself, perhaps a loop
          };
      scope.addSpans(span(rnd, ids.get(i), parent));
    }
    TraceView trace =
        TraceView.of(
            TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
            List.of(ResourceSpans.newBuilder().addScopeSpans(scope).build()));
    SpanView first = trace.spans().get(0);
    assertThat(first.spanIdHex()).isNotNull(); // a hex id cached on one path does not matter

    SimpleMeterRegistry fastMeters = new SimpleMeterRegistry();
    SimpleMeterRegistry generalMeters = new SimpleMeterRegistry();
    var fast = new GenAiNormalizer(fastMeters, true).read(trace);
    var general = new GenAiNormalizer(generalMeters, false).read(trace);

    assertThat(fast).as("%s", trace.fragments()).isEqualTo(general);
    assertThat(ignored(fastMeters)).isEqualTo(ignored(generalMeters));
  }

  private static Map<String, Double> ignored(SimpleMeterRegistry meters) {
    Map<String, Double> counts = new TreeMap<>();
    for (Counter c : meters.find("llmtail.genai.values.ignored").counters()) {
      counts.put(c.getId().getTag("key"), c.count());
    }
    return counts;
  }

  private static InstrumentationScope scope() {
    return InstrumentationScope.newBuilder().setName("test").build();
  }

  private static Span span(Random rnd, ByteString id, ByteString parent) {
    Span.Builder span =
        Span.newBuilder()
            .setTraceId(ByteString.copyFrom(new byte[16]))
            .setSpanId(id)
            .setName(NAMES[rnd.nextInt(NAMES.length)])
            .setStartTimeUnixNano(1_000 + rnd.nextInt(5))
            .setEndTimeUnixNano(rnd.nextInt(5) == 0 ? 0 : 2_000 + rnd.nextInt(5));
    if (parent != null) {
      span.setParentSpanId(parent);
    }
    if (rnd.nextInt(6) == 0) {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    for (int i = rnd.nextInt(7); i > 0; i--) {
      span.addAttributes(attribute(rnd, KEYS[rnd.nextInt(KEYS.length)]));
    }
    for (int i = rnd.nextInt(6) == 0 ? 1 + rnd.nextInt(2) : 0; i > 0; i--) {
      Span.Event.Builder event =
          Span.Event.newBuilder()
              .setName(rnd.nextBoolean() ? "gen_ai.evaluation.result" : "gen_ai.content.prompt");
      event.addAttributes(attribute(rnd, "gen_ai.evaluation.name"));
      event.addAttributes(attribute(rnd, "gen_ai.evaluation.score.value"));
      span.addEvents(event);
    }
    if (rnd.nextInt(8) == 0) {
      span.addLinks(Span.Link.newBuilder().setSpanId(ByteString.copyFrom(new byte[8])));
    }
    return span.build();
  }

  private static KeyValue attribute(Random rnd, String key) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (rnd.nextInt(8)) {
      case 0 -> v.setIntValue(rnd.nextInt(3) - 1);
      case 1 -> v.setDoubleValue(rnd.nextDouble());
      case 2 -> v.setBoolValue(rnd.nextBoolean());
      case 3 ->
          v.setArrayValue(
              ArrayValue.newBuilder()
                  .addValues(AnyValue.newBuilder().setStringValue(TEXTS[rnd.nextInt(3)])));
      default -> v.setStringValue(TEXTS[rnd.nextInt(TEXTS.length)]);
    }
    return KeyValue.newBuilder().setKey(key).setValue(v).build();
  }
}
