package llmtail.recorder;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.anthropic.api.AnthropicApi;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelCompletionObservationHandler;
import org.springframework.ai.chat.observation.ChatModelPromptContentObservationHandler;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.ai.retry.TransientAiException;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Spring AI's chat models (OpenAI, Anthropic) as a Spring Boot app wires them: Micrometer
 * observations bridged to OpenTelemetry by micrometer-tracing-bridge-otel, HTTP client
 * observations on the RestClient and WebClient, Spring AI's retry (transient errors, 10
 * attempts; the backoff shortened to milliseconds so recording stays fast). Content capture
 * "on" registers the prompt and completion content handlers, which Spring AI 1.1 writes to the
 * application log, not to the trace.
 */
final class SpringAi implements Library {
  static final String VERSION = "spring-ai 1.1.2, micrometer-tracing-bridge-otel 1.6.8, opentelemetry-sdk 1.65.0";
  private final boolean anthropic;
  private final ObservationRegistry registry = ObservationRegistry.create();
  private final RetryTemplate retry =
      RetryTemplate.builder()
          .maxAttempts(10)
          .retryOn(TransientAiException.class)
          .exponentialBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100))
          .build();

  SpringAi(boolean anthropic, OpenTelemetry otel, String mode) {
    this.anthropic = anthropic;
    OtelCurrentTraceContext context = new OtelCurrentTraceContext();
    // org.springframework.boot: the scope Spring Boot gives the bridge's tracer
    OtelTracer tracer =
        new OtelTracer(
            otel.getTracer("org.springframework.boot"),
            context,
            event -> {},
            new OtelBaggageManager(context, List.of(), List.of()));
    registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    if (mode.equals("on")) {
      registry.observationConfig().observationHandler(new ChatModelPromptContentObservationHandler());
      registry.observationConfig().observationHandler(new ChatModelCompletionObservationHandler());
    }
  }

  @Override
  public String name() {
    return anthropic ? "spring-ai-anthropic" : "spring-ai-openai";
  }

  @Override
  public String library() {
    return anthropic
        ? "Spring AI AnthropicChatModel (Maven) + Micrometer tracing bridged to OpenTelemetry"
        : "Spring AI OpenAiChatModel (Maven) + Micrometer tracing bridged to OpenTelemetry";
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public String model(String openAiModel) {
    return anthropic ? Models.anthropic(openAiModel) : openAiModel;
  }

  @Override
  public void call(String origin, Call call) {
    RestClient.Builder rest = RestClient.builder().observationRegistry(registry);
    WebClient.Builder web = WebClient.builder().observationRegistry(registry);
    ChatModel model;
    ChatOptions options;
    if (anthropic) {
      AnthropicApi api =
          AnthropicApi.builder().baseUrl(origin).apiKey("sk-ant-test").restClientBuilder(rest).webClientBuilder(web).build();
      model = AnthropicChatModel.builder().anthropicApi(api).retryTemplate(call.maxRetries() == 0 ? RetryTemplate.builder().maxAttempts(1).build() : retry).observationRegistry(registry).build();
      options =
          AnthropicChatOptions.builder()
              .model(call.model())
              .maxTokens(call.maxTokens() == null ? 1024 : call.maxTokens())
              .internalToolExecutionEnabled(false)
              .build();
    } else {
      OpenAiApi api =
          OpenAiApi.builder().baseUrl(origin).apiKey("sk-test").restClientBuilder(rest).webClientBuilder(web).build();
      model = OpenAiChatModel.builder().openAiApi(api).retryTemplate(call.maxRetries() == 0 ? RetryTemplate.builder().maxAttempts(1).build() : retry).observationRegistry(registry).build();
      OpenAiChatOptions.Builder o =
          OpenAiChatOptions.builder().model(call.model()).internalToolExecutionEnabled(false);
      if (call.maxTokens() != null) {
        o.maxTokens(call.maxTokens());
      }
      options = o.build();
    }
    List<Message> messages = new ArrayList<>();
    if (call.system() != null) {
      messages.add(new SystemMessage(call.system()));
    }
    call.turns().forEach(t -> messages.add(new UserMessage(t)));
    Prompt prompt = new Prompt(messages, options);
    if (!call.stream()) {
      model.call(prompt);
    } else if (call.abortAfterMs() > 0) {
      // take(Duration) cancels the subscription: the HTTP exchange is dropped, as when a user stops.
      model.stream(prompt).take(Duration.ofMillis(call.abortAfterMs())).blockLast(Duration.ofSeconds(5));
    } else {
      model.stream(prompt).blockLast(Duration.ofSeconds(5));
    }
  }
}
