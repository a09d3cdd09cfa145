package llmtail.recorder;

import java.util.List;
import java.util.Map;

/** The cases of ../lib/scenarios.mjs that apply to the Java libraries, same names and replies. */
final class Scenarios {
  private static final String ORDER = "Where is my order 1042?";
  private static final String SHIPPED =
      "Your order 1042 left our warehouse on Monday and should arrive by Thursday.";
  private static final String SUPPORT_SYSTEM =
      ("You are the support assistant of Acme Outdoor. Answer briefly and politely. ")
          + "Policies: orders ship within 2 days; returns within 30 days; refunds take 5 business days. "
              .repeat(60);

  private Scenarios() {}

  private static Map<String, Object> ok(String content) {
    return Map.of("content", content);
  }

  private static Scenario.Body call(Call c) {
    return app -> app.call(c);
  }

  static final List<Scenario> ALL =
      List.of(
          // ---- failures ----
          new Scenario("refusal-field", "refusal", "OpenAI refusal message field, finish reason stop",
              List.of(Map.of("refusal", "I'm sorry, I can't help with that request.")),
              call(Call.of("How do I pick the lock of my neighbour's shed?")))
              .with("spring-ai-openai", "unobservable", "Spring AI drops the OpenAI refusal field: the span says finish reason STOP, and the prompt and completion content handlers write to the application log, not the trace")
              .with("openai-java-otel", "unobservable", "the instrumentation records no refusal: finish reason stop, and with content capture on a gen_ai.choice log record whose message is empty"),
          new Scenario("refusal-content-filter", "refusal", "finish reason content_filter, no content",
              List.of(Map.of("content", "", "finish", "content_filter")), call(Call.of(ORDER))),
          new Scenario("max-tokens", "truncated-stream", "answer cut by max_tokens, not streamed (finish reason length)",
              List.of(Map.of("content", "Your order 1042 left our warehouse on Monday and is", "finish", "length")),
              call(Call.of(ORDER).maxTokens(12))),
          new Scenario("max-tokens-stream", "truncated-stream", "streamed answer cut by max_tokens (finish reason length)",
              List.of(Map.of("content", "Your order 1042 left our warehouse on Monday and is", "finish", "length")),
              call(Call.of(ORDER).maxTokens(12).streamed())),
          new Scenario("stream-reset", "truncated-stream", "stream cut by a socket reset mid-answer",
              List.of(Map.of("content", SHIPPED, "cut", "reset")), call(Call.of(ORDER).streamed().noRetries()))
              .with("openai-java-otel", "unobservable", "the instrumentation never ends the call span of a stream that fails (and throws `finish_reason is null` into the app on a clean EOF): only a gen_ai.user.message log record of a span that never arrives is left"),
          new Scenario("stream-eof", "truncated-stream", "stream ended by a clean EOF before any finish reason",
              List.of(Map.of("content", SHIPPED, "cut", "eof")), call(Call.of(ORDER).streamed().noRetries()))
              .with("openai-java-otel", "unobservable", "the instrumentation never ends the call span of a stream that fails (and throws `finish_reason is null` into the app on a clean EOF): only a gen_ai.user.message log record of a span that never arrives is left")
              .with("spring-ai-anthropic", "unobservable", "clean EOF mid-stream; Spring AI ends the span OK with the usage of message_start (42 in, 1 out) and no finish reason: only the missing finish reason shows the cut, which llmtail does not read as one (reported miss)"),
          new Scenario("stream-user-abort", "truncated-stream", "user pressed stop: client aborted mid-stream",
              List.of(Map.of("content", SHIPPED, "cut", "hang")),
              call(Call.of(ORDER).streamed().abortAfter(150).noRetries()))
              .with("openai-java-otel", "unobservable", "the instrumentation never ends the call span of a stream that fails (and throws `finish_reason is null` into the app on a clean EOF): only a gen_ai.user.message log record of a span that never arrives is left"),
          new Scenario("retry-429", "retry-storm", "HTTP 429 twice, client retried, third attempt answered",
              List.of(Map.of("status", 429), Map.of("status", 429), ok("Your order 1042 ships today.")),
              call(Call.of(ORDER)))
              .with("openai-java-otel", "unobservable", "HTTP 429 twice, the SDK retried below the instrumentation: one successful chat span, no HTTP spans, nothing shows the retries")
              .with("spring-ai-openai", "status_code", "HTTP 429: Spring AI does not retry 429 (a non-transient error by default): one failed attempt, kept by status_code")
              .with("spring-ai-anthropic", "status_code", "HTTP 429: Spring AI does not retry 429 (a non-transient error by default): one failed attempt, kept by status_code"),
          new Scenario("retry-5xx-exhausted", "retry-storm", "HTTP 500 on every attempt, retries exhausted, call failed",
              List.of(Map.of("status", 500)), call(Call.of(ORDER)))
              .with("openai-java-otel", "status_code", "HTTP 500 on every attempt; the SDK retried below the instrumentation: one failed chat span, kept by status_code"),
          new Scenario("duplicate-after-cut", "duplicate-request", "stream cut by a reset, the app re-sent the same prompt",
              List.of(Map.of("content", SHIPPED, "cut", "reset"), ok(SHIPPED)),
              app -> {
                Call c = Call.of(ORDER).streamed().noRetries();
                try {
                  app.call(c);
                } catch (RuntimeException e) {
                  // the app retries once
                }
                app.call(c);
              })
              .with("openai-java-otel", "unobservable", "the instrumentation never ends the call span of a stream that fails (and throws `finish_reason is null` into the app on a clean EOF): only a gen_ai.user.message log record of a span that never arrives is left; so the first attempt is not in the trace"),
          new Scenario("substituted-model", "model-substitution", "asked for gpt-4o, answered by gpt-4o-mini (a router downgraded the call)",
              List.of(Map.of("content", "Your order 1042 ships today.", "model", "gpt-4o-mini-2024-07-18")), call(Call.of(ORDER))),
          new Scenario("substituted-family", "model-substitution", "asked for gpt-4o, answered by another family (claude-3-5-haiku) through a gateway",
              List.of(Map.of("content", "Your order 1042 ships today.", "model", "claude-3-5-haiku-20241022")), call(Call.of(ORDER))),
          new Scenario("expensive", "high-cost", "one call with 180k input and 40k output tokens on gpt-4o (about $0.85)",
              List.of(Map.of("content", "Here is the summary of the whole contract archive.", "usage", Map.of("prompt", 180000, "completion", 40000))),
              call(Call.of("Summarise the attached contract archive."))),
          new Scenario("eval-log-record", "semantic-flag", "LLM-judge verdict \"hallucination\" as a gen_ai.evaluation.result log record",
              List.of(ok("Your order 1042 was delivered yesterday.")),
              app -> {
                app.call(Call.of(ORDER));
                Record.evaluationLog(app.capture(), "groundedness", "hallucinated", 0.1, "no delivery event in the order history");
              }),
          new Scenario("guardrail-block", "semantic-flag", "output guardrail span flagged the answer (risk score 0.92)",
              List.of(ok("Sure, here is the customer list with their card numbers.")),
              app -> {
                app.call(Call.of("Export all customers."));
                Record.guardrailSpan(app.tracer(), "block", 0.92);
              }),
          // ---- healthy look-alikes ----
          new Scenario("healthy-chat", "healthy", "a plain answered call",
              List.of(ok("Your order 1042 ships today and should arrive on Thursday.")), call(Call.of(ORDER))),
          new Scenario("healthy-stream", "healthy", "a streamed answer that finished normally",
              List.of(ok("Your order 1042 ships today and should arrive on Thursday.")), call(Call.of(ORDER).streamed())),
          new Scenario("agent-tool-loop", "healthy", "an agent loop: 5 calls to the same model with a growing history, 4 answered by tool calls",
              List.of(tool(1), tool(2), tool(3), tool(4), ok("All four orders have shipped.")),
              app -> {
                List<String> turns = new java.util.ArrayList<>(List.of("Check my orders 1041 to 1044."));
                for (int i = 1; i <= 5; i++) {
                  app.call(Call.of("").turns(List.copyOf(turns)));
                  turns.add("lookup_order result: order 104" + i + " has shipped");
                }
              }),
          new Scenario("azure-deployment", "healthy", "a deployment name answered by gpt-4o-2024-08-06",
              List.of(Map.of("content", "Your order 1042 ships today.", "model", "gpt-4o-2024-08-06")),
              call(Call.of(ORDER).model("prod-support-eastus"))),
          new Scenario("alias-gpt-4o", "healthy", "gpt-4o answered by gpt-4o-2024-08-06 (Anthropic: claude-sonnet-4-0 answered by claude-sonnet-4-20250514)",
              List.of(Map.of("content", "Your order 1042 ships today.", "model", "gpt-4o-2024-08-06")), call(Call.of(ORDER))),
          new Scenario("sorry-cant-find", "healthy", "a helpful answer that starts \"I'm sorry, but I can't find…\"",
              List.of(ok("I'm sorry, but I can't find an order with the number 1042. Could you check the confirmation email and send me the number shown there?")),
              call(Call.of(ORDER))),
          new Scenario("support-cancel-refund", "healthy", "ordinary support text about cancelling, deleting and refunds",
              List.of(ok("To cancel your subscription, open Settings → Billing and choose Cancel. Deleting your account removes your saved addresses; refunds for unused months take 5 business days.")),
              call(Call.of("How do I cancel and get a refund?"))),
          new Scenario("shared-system-prompt", "healthy", "three calls sharing a long system prompt, the later ones served from the prompt cache",
              List.of(
                  Map.of("content", "Orders ship within 2 days.", "usage", Map.of("prompt", 5200, "completion", 12, "cached", 0)),
                  Map.of("content", "Returns are free within 30 days.", "usage", Map.of("prompt", 5210, "completion", 14, "cached", 5120)),
                  Map.of("content", "Refunds take 5 business days.", "usage", Map.of("prompt", 5215, "completion", 11, "cached", 5120))),
              app -> {
                for (String p : List.of("When do orders ship?", "Can I return shoes?", "When do I get my refund?")) {
                  app.call(Call.of(p).system(SUPPORT_SYSTEM));
                }
              }),
          new Scenario("eval-user-sentiment-negative", "healthy", "a sentiment classifier labelled the USER message \"negative\"; the answer was fine",
              List.of(ok("I understand the delay is frustrating. Your order 1042 ships today.")),
              app -> {
                app.call(Call.of("This is the third time I ask. Where is my order 1042?!"));
                Record.evaluationLog(app.capture(), "user_sentiment", "negative", 0.2, "the user is frustrated about a delay");
              }),
          new Scenario("guardrail-pass", "healthy", "an output guardrail passed the answer with a low risk score (0.04)",
              List.of(ok("Your order 1042 ships today.")),
              app -> {
                app.call(Call.of(ORDER));
                Record.guardrailSpan(app.tracer(), "pass", 0.04);
              }));

  private static Map<String, Object> tool(int i) {
    return Map.of("toolCall", Map.of("name", "lookup_order", "args", Map.of("order", "104" + i)));
  }
}
