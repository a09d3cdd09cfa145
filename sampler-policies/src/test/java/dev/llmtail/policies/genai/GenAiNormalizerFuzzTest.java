package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import dev.llmtail.core.TraceView;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * Fuzzes the GenAI normaliser with spans whose attributes, under the keys every dialect uses (and
 * any other), hold values of every OTLP type and size: strings (empty to 64 KiB), numbers at their
 * limits, booleans, bytes, arrays and nested maps. Reading never throws and never finds more LLM
 * calls than there are spans. The build replays the saved inputs under {@code
 * GenAiNormalizerFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/operations.md).
 */
class GenAiNormalizerFuzzTest {

  /** The attribute keys the dialects write, as the normaliser reads them. */
  private static final List<String> KEYS =
      List.of(
          "gen_ai.operation.name",
          "gen_ai.system",
          "gen_ai.provider.name",
          "gen_ai.request.model",
          "gen_ai.response.model",
          "gen_ai.response.finish_reasons",
          "gen_ai.usage.input_tokens",
          "gen_ai.usage.output_tokens",
          "gen_ai.usage.prompt_tokens",
          "gen_ai.usage.completion_tokens",
          "gen_ai.usage.cache_read.input_tokens",
          "gen_ai.usage.reasoning.output_tokens",
          "gen_ai.usage.cost",
          "gen_ai.request.attempt",
          "gen_ai.request.stream",
          "gen_ai.is_streaming",
          "gen_ai.conversation.id",
          "gen_ai.input.messages",
          "gen_ai.output.messages",
          "gen_ai.prompt.0.content",
          "gen_ai.completion.0.content",
          "gen_ai.completion.0.finish_reason",
          "gen_ai.evaluation.name",
          "gen_ai.evaluation.score.value",
          "gen_ai.evaluation.score.label",
          "gen_ai.guardrail.result.type",
          "gen_ai.guardrail.risk.score",
          "llm.model_name",
          "llm.provider",
          "llm.system",
          "llm.token_count.prompt",
          "llm.token_count.completion",
          "llm.invocation_parameters",
          "llm.input_messages.0.message.content",
          "llm.output_messages.0.message.content",
          "llm.finish_reason",
          "llm.request.type",
          "llm.is_streaming",
          "openinference.span.kind",
          "input.value",
          "output.value",
          "session.id",
          "ai.model.id",
          "ai.response.finishReason",
          "ai.usage.promptTokens",
          "ai.usage.completionTokens",
          "ai.prompt.messages",
          "ai.response.text",
          "ai.telemetry.metadata.sessionId",
          "traceloop.association.properties.session_id");

  private static final GenAiNormalizer NORMALIZER = new GenAiNormalizer(new SimpleMeterRegistry());

  @FuzzTest(maxDuration = "5m")
  void readsAttributesOfEveryTypeAndSizeWithoutThrowing(FuzzedDataProvider data) {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    trace.child("chat");
    ResourceSpans resource = trace.resourceSpans();
    ScopeSpans.Builder scope = resource.getScopeSpans(0).toBuilder();
    int spanCount = scope.getSpansCount();
    for (int i = 0; i < spanCount; i++) {
      Span.Builder span = scope.getSpansBuilder(i);
      int attributes = data.consumeInt(0, 24);
      for (int a = 0; a < attributes; a++) {
        String key = data.consumeBoolean() ? data.pickValue(KEYS) : data.consumeString(64);
        span.addAttributes(KeyValue.newBuilder().setKey(key).setValue(value(data, 0)));
      }
      if (data.consumeBoolean()) {
        span.setName(data.consumeString(256));
      }
    }
    ResourceSpans fuzzed = resource.toBuilder().setScopeSpans(0, scope).build();

    var facts = NORMALIZER.read(TraceView.of(trace.traceId(), List.of(fuzzed)));

    assertThat(facts.calls().size()).isLessThanOrEqualTo(spanCount);
  }

  private static AnyValue value(FuzzedDataProvider data, int depth) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (data.consumeInt(0, depth < 3 ? 6 : 4)) {
      case 0 -> v.setStringValue(data.consumeString(data.consumeBoolean() ? 16 : 65_536));
      case 1 -> v.setIntValue(data.consumeLong());
      case 2 -> v.setDoubleValue(data.consumeRegularDouble());
      case 3 -> v.setBoolValue(data.consumeBoolean());
      case 4 -> v.setBytesValue(ByteString.copyFrom(data.consumeBytes(256)));
      case 5 -> {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
          array.addValues(value(data, depth + 1));
        }
        v.setArrayValue(array);
      }
      default -> {
        KeyValueList.Builder map = KeyValueList.newBuilder();
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
          map.addValues(
              KeyValue.newBuilder()
                  .setKey(data.consumeString(32))
                  .setValue(value(data, depth + 1)));
        }
        v.setKvlistValue(map);
      }
    }
    return v.build();
  }
}
