package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.llmtail.core.Evaluation;
import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.TraceView;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GenAiNormalizerTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private List<LlmCall> calls(TraceBuilder t) {
    return t.view().withGenAi(new GenAiNormalizer(meters)).llmCalls();
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void readsTheSameCallFromEveryDialect(Dialect dialect) {
    LlmCall call =
        calls(LlmTraces.chat(dialect, LlmCallSpec.healthy().cache(400L, null))).stream()
            .findFirst()
            .orElseThrow();
    assertThat(call.provider()).isEqualTo("openai");
    assertThat(call.requestModel()).isEqualTo("gpt-4o");
    assertThat(call.responseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(call.operation()).isEqualTo("chat");
    assertThat(call.finishReasons()).containsExactly("stop");
    assertThat(call.inputTokens()).isEqualTo(1200);
    assertThat(call.outputTokens()).isEqualTo(300);
    assertThat(call.cacheReadTokens()).isEqualTo(400);
    assertThat(call.ended()).isTrue();
    assertThat(call.statusError()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void readsOnlyLlmSpansAsCalls(Dialect dialect) {
    TraceBuilder t =
        LlmTraces.chat(dialect, LlmCallSpec.healthy(), LlmCallSpec.healthy().at(2000, 500));
    t.child("execute_tool search")
        .attribute("gen_ai.operation.name", "execute_tool")
        .attribute("gen_ai.tool.name", "search");
    t.child("SELECT orders").attribute("db.system", "postgresql");
    assertThat(calls(t)).hasSize(2);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void readsStreamingConversationAndContentWhereTheDialectHasThem(Dialect dialect) {
    LlmCall call =
        calls(
                LlmTraces.chat(
                    dialect,
                    LlmCallSpec.healthy()
                        .streaming()
                        .conversation("conv-42")
                        .output("Hello there")))
            .get(0);
    if (dialect.expressesStreaming()) {
      assertThat(call.streaming()).isTrue();
    }
    if (dialect.expressesConversation()) {
      assertThat(call.conversationId()).isEqualTo("conv-42");
    }
    if (dialect.expressesContent()) {
      assertThat(call.outputText()).contains("Hello there");
      assertThat(call.inputText()).contains("Where is my order");
    }
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void anOpenAiRefusalMessageWithFinishReasonStopBecomesARefusal(Dialect dialect) {
    assumeTrue(dialect.expressesContent());
    // The AI SDK passes only the refusal's text on (ai.response.text): the refusal policy's phrases
    // catch it.
    assumeTrue(dialect != Dialect.VERCEL_AI_SDK);
    LlmCall call =
        calls(
                LlmTraces.chat(
                    dialect, LlmCallSpec.healthy().refusalMessage("I can't help with that.")))
            .get(0);
    assertThat(call.finishReasons()).contains("stop", "refusal");
  }

  @Test
  void normalisesFinishReasonSpellings() {
    assertThat(FinishReasons.normalise("content-filter")).isEqualTo("content_filter");
    assertThat(FinishReasons.normalise("[STOP]")).isEqualTo("stop");
    assertThat(FinishReasons.normalise("MAX_TOKENS")).isEqualTo("length");
    assertThat(FinishReasons.normalise("end_turn")).isEqualTo("stop");
    assertThat(FinishReasons.normalise("SAFETY")).isEqualTo("safety");
    assertThat(FinishReasons.normalise("tool-calls")).isEqualTo("tool_calls");
  }

  @Test
  void anAbortedVercelStreamIsReadFromTheOuterSpanThatDidEnd() {
    LlmCall call =
        calls(LlmTraces.chat(Dialect.VERCEL_AI_SDK, LlmCallSpec.healthy().streaming().unended()))
            .get(0);
    assertThat(call.spanName()).isEqualTo("ai.streamText");
    assertThat(call.streaming()).isTrue();
    assertThat(call.finishReasons()).isEmpty();
    assertThat(call.outputTokens()).isNull();
  }

  @Test
  void theVercelOuterSpanIsNotASecondCallWhenItsProviderCallArrived() {
    assertThat(calls(LlmTraces.chat(Dialect.VERCEL_AI_SDK, LlmCallSpec.healthy().streaming())))
        .extracting(LlmCall::spanName)
        .containsExactly("ai.streamText.doStream");
  }

  @Test
  void aFrameworkSpanBesideTheClientSpanOfTheSameCallIsOneCall() {
    // LangChain under OpenInference: ChatOpenAI and the openai client's span are siblings.
    TraceBuilder t = TraceBuilder.trace();
    TraceBuilder.SpanBuilder root = t.root("POST /chat");
    for (String name : List.of("ChatOpenAI", "OpenAI Chat Completions")) {
      boolean framework = name.equals("ChatOpenAI");
      root.child(name)
          .startMillis(framework ? 10 : 12)
          .durationMillis(framework ? 500 : 480)
          .attribute("openinference.span.kind", "LLM")
          .attribute("llm.model_name", "gpt-4o")
          .attribute("llm.token_count.prompt", 42L)
          .attribute("llm.token_count.completion", 17L);
    }
    root.child("OpenAI Chat Completions")
        .startMillis(600)
        .durationMillis(400)
        .attribute("openinference.span.kind", "LLM")
        .attribute("llm.model_name", "gpt-4o")
        .attribute("llm.token_count.prompt", 42L)
        .attribute("llm.token_count.completion", 17L);
    assertThat(calls(t))
        .extracting(LlmCall::spanName)
        .containsExactly("OpenAI Chat Completions", "OpenAI Chat Completions");
  }

  @Test
  void springAisNoneModelMeansUnknown() {
    LlmCall call =
        calls(LlmTraces.chat(Dialect.SPRING_AI, LlmCallSpec.healthy().models("gpt-4o", null)))
            .get(0);
    assertThat(call.responseModel()).isEmpty();
    assertThat(call.model()).isEqualTo("gpt-4o");
  }

  @Test
  void springAisZeroUsageOnAStreamWithoutUsageMeansUnknown() {
    // Spring AI writes "0" and "0" when a stream carried no usage (its default, and a cut stream)
    TraceBuilder t = TraceBuilder.trace();
    t.root("chat gpt-4o")
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.system", "openai")
        .attribute("gen_ai.request.model", "gpt-4o")
        .attribute("gen_ai.usage.input_tokens", "0")
        .attribute("gen_ai.usage.output_tokens", "0")
        .attribute("gen_ai.usage.total_tokens", "0");
    LlmCall call = calls(t).get(0);
    assertThat(call.inputTokens()).isNull();
    assertThat(call.outputTokens()).isNull();
  }

  @Test
  void malformedValuesAreIgnoredAndCounted() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("chat gpt-4o")
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.request.model", "gpt-4o")
        .attribute("gen_ai.usage.input_tokens", "lots")
        .attribute("gen_ai.request.stream", "sometimes");
    LlmCall call = calls(t).get(0);
    assertThat(call.inputTokens()).isNull();
    assertThat(call.streaming()).isNull();
    assertThat(
            meters
                .counter("llmtail.genai.values.ignored", "key", "gen_ai.usage.input_tokens")
                .count())
        .isEqualTo(1);
    assertThat(
            meters.counter("llmtail.genai.values.ignored", "key", "gen_ai.request.stream").count())
        .isEqualTo(1);
  }

  @Test
  void readsEvaluationsFromEventsOpenInferenceAnnotationsAndGuardrails() {
    TraceBuilder t = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    t.child("judge")
        .event(
            "gen_ai.evaluation.result",
            "gen_ai.evaluation.name",
            "relevance",
            "gen_ai.evaluation.score.label",
            "fail");
    t.child("feedback")
        .attribute("openinference.span.kind", "EVALUATOR")
        .attribute("annotations.0.annotation.name", "user_feedback")
        .attribute("annotations.0.annotation.label", "thumbs_down")
        .attribute("annotations.0.annotation.annotator_kind", "HUMAN");
    t.child("guard")
        .attribute("gen_ai.guardrail.result.type", "blocked")
        .attribute("gen_ai.guardrail.risk.category", "self_harm");
    TraceView view = t.view().withGenAi(new GenAiNormalizer(meters));
    assertThat(view.evaluations())
        .extracting(Evaluation::name, Evaluation::label, Evaluation::source)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("relevance", "fail", "evaluation"),
            org.assertj.core.groups.Tuple.tuple("user_feedback", "thumbs_down", "feedback"),
            org.assertj.core.groups.Tuple.tuple("self_harm", "blocked", "guardrail"));
  }

  private static LogRecord event(
      TraceBuilder t, String spanIdHex, String name, AnyValue body, KeyValue... attributes) {
    return LogRecord.newBuilder()
        .setTraceId(ByteString.fromHex(t.traceIdHex()))
        .setSpanId(ByteString.fromHex(spanIdHex))
        .setEventName(name)
        .setBody(body)
        .addAllAttributes(List.of(attributes))
        .build();
  }

  private static AnyValue kvlist(String key, AnyValue value, String key2, AnyValue value2) {
    return AnyValue.newBuilder()
        .setKvlistValue(
            KeyValueList.newBuilder()
                .addValues(KeyValue.newBuilder().setKey(key).setValue(value))
                .addValues(KeyValue.newBuilder().setKey(key2).setValue(value2)))
        .build();
  }

  private static AnyValue text(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  @Test
  void messageEventsWithEmptyBodiesCaptureNoPrompt() {
    // The OpenTelemetry OpenAI Java instrumentation with content capture off (its default) still
    // sends gen_ai.system.message and gen_ai.user.message, each with an empty body.
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    String callId =
        t.child("chat gpt-4o")
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.request.model", "gpt-4o")
            .spanIdHex();
    AnyValue empty =
        AnyValue.newBuilder().setKvlistValue(KeyValueList.getDefaultInstance()).build();
    ResourceLogs logs =
        ResourceLogs.newBuilder()
            .addScopeLogs(
                ScopeLogs.newBuilder()
                    .addLogRecords(event(t, callId, "gen_ai.system.message", empty))
                    .addLogRecords(event(t, callId, "gen_ai.user.message", empty)))
            .build();
    TraceView view =
        TraceView.of(t.traceId(), List.of(t.resourceSpans()), List.of(logs))
            .withGenAi(new GenAiNormalizer(meters));
    assertThat(view.llmCalls().get(0).inputText()).isEmpty();
  }

  @Test
  void readsEvaluationsAndMessagesThatArriveAsLogRecords() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    TraceBuilder.SpanBuilder llm =
        t.child("chat gpt-4o")
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.request.model", "gpt-4o");
    String callId = llm.spanIdHex();
    ResourceLogs logs =
        ResourceLogs.newBuilder()
            .addScopeLogs(
                ScopeLogs.newBuilder()
                    .addLogRecords(
                        event(
                            t,
                            callId,
                            "gen_ai.user.message",
                            kvlist("role", text("user"), "content", text("Change my address"))))
                    .addLogRecords(
                        event(
                            t,
                            callId,
                            "gen_ai.choice",
                            kvlist(
                                "finish_reason",
                                text("stop"),
                                "message",
                                kvlist(
                                    "role",
                                    text("assistant"),
                                    "content",
                                    text("Cancel your service first.")))))
                    .addLogRecords(
                        event(
                            t,
                            callId,
                            "gen_ai.evaluation.result",
                            AnyValue.getDefaultInstance(),
                            KeyValue.newBuilder()
                                .setKey("gen_ai.evaluation.name")
                                .setValue(text("harmfulness"))
                                .build(),
                            KeyValue.newBuilder()
                                .setKey("gen_ai.evaluation.score.label")
                                .setValue(text("unsafe"))
                                .build())))
            .build();

    TraceView view =
        TraceView.of(t.traceId(), List.of(t.resourceSpans()), List.of(logs))
            .withGenAi(new GenAiNormalizer(meters));

    LlmCall call = view.llmCalls().get(0);
    assertThat(call.outputText()).isEqualTo("Cancel your service first.");
    assertThat(call.finishReasons()).containsExactly("stop");
    assertThat(call.inputText()).contains("Change my address");
    assertThat(view.evaluations())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.spanId()).isEqualTo(callId);
              assertThat(e.name()).isEqualTo("harmfulness");
              assertThat(e.label()).isEqualTo("unsafe");
            });
  }

  @Test
  void everyChoiceLoggedForOneSpanIsRead() {
    // n = 2: the instrumentation sends one gen_ai.choice record per choice; the second was cut.
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    String callId =
        t.child("chat gpt-4o")
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.request.model", "gpt-4o")
            .spanIdHex();
    ScopeLogs.Builder scope = ScopeLogs.newBuilder();
    for (String[] choice :
        List.of(
            new String[] {"stop", "Your order ships today."},
            new String[] {"length", "Your order ships"})) {
      scope.addLogRecords(
          event(
              t,
              callId,
              "gen_ai.choice",
              kvlist(
                  "finish_reason",
                  text(choice[0]),
                  "message",
                  kvlist("role", text("assistant"), "content", text(choice[1])))));
    }
    TraceView view =
        TraceView.of(
                t.traceId(),
                List.of(t.resourceSpans()),
                List.of(ResourceLogs.newBuilder().addScopeLogs(scope).build()))
            .withGenAi(new GenAiNormalizer(meters));

    LlmCall call = view.llmCalls().get(0);
    assertThat(call.finishReasons()).containsExactly("stop", "length");
    assertThat(call.outputText()).isEqualTo("Your order ships today.\nYour order ships");
  }

  @Test
  void anOpenLlmetryFlattenedRefusalIsARefusal() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat")
        .child("openai.chat")
        .attribute("gen_ai.system", "openai")
        .attribute("llm.request.type", "chat")
        .attribute("gen_ai.request.model", "gpt-4o")
        .attribute("gen_ai.completion.0.role", "assistant")
        .attribute("gen_ai.completion.0.finish_reason", "stop")
        .attribute("gen_ai.completion.0.refusal", "I'm sorry, I can't help with that request.");
    assertThat(calls(t).get(0).finishReasons()).containsExactly("stop", "refusal");
  }

  @Test
  void callsInsideAnEvaluatorOrGuardrailSpanAreJudges() {
    TraceBuilder t = TraceBuilder.trace();
    TraceBuilder.SpanBuilder root = t.root("POST /chat");
    root.child("chat gpt-4o")
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.request.model", "gpt-4o");
    root.child("evaluate helpfulness")
        .attribute("openinference.span.kind", "EVALUATOR")
        .child("chat gpt-4o-mini")
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.request.model", "gpt-4o-mini");
    root.child("apply_guardrail output-commands")
        .attribute("gen_ai.operation.name", "apply_guardrail")
        .child("ai.generateText")
        .child("ai.generateText.doGenerate")
        .startMillis(900)
        .attribute("ai.model.id", "gpt-4o-mini");
    assertThat(calls(t))
        .extracting(LlmCall::spanName, LlmCall::judge)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("chat gpt-4o", false),
            org.assertj.core.groups.Tuple.tuple("chat gpt-4o-mini", true),
            org.assertj.core.groups.Tuple.tuple("ai.generateText.doGenerate", true));
  }

  @Test
  void requestsAreComparedWholeWithTheirSystemInstructions() {
    String context = "Clause: delivery within 14 days. ".repeat(400); // past any text cap
    TraceBuilder t = TraceBuilder.trace();
    TraceBuilder.SpanBuilder root = t.root("POST /chat");
    for (String[] request :
        List.of(
            new String[] {"Translate into French.", context + "How long is delivery?"},
            new String[] {"Translate into French.", context + "What is the penalty?"},
            new String[] {"Translate into German.", context + "What is the penalty?"},
            new String[] {"Translate into German.", context + "What is the penalty?"})) {
      root.child("chat gpt-4o")
          .attribute("gen_ai.operation.name", "chat")
          .attribute("gen_ai.request.model", "gpt-4o")
          .attribute("gen_ai.system_instructions", request[0])
          .attribute("gen_ai.input.messages", request[1]);
    }
    List<String> digests = calls(t).stream().map(LlmCall::inputDigest).toList();
    assertThat(digests).doesNotContain("");
    assertThat(calls(t).get(0).inputText()).hasSizeLessThan(context.length());
    assertThat(digests.stream().distinct()).hasSize(3);
  }

  @Test
  void aTraceWithoutLlmSpansHasNoCalls() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("GET /health");
    t.child("SELECT 1");
    assertThat(calls(t)).isEmpty();
  }
}
