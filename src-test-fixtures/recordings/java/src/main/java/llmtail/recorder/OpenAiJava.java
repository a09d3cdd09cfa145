package llmtail.recorder;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.openai.v1_1.OpenAITelemetry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAI Java SDK wrapped by the OpenTelemetry instrumentation library
 * (opentelemetry-openai-java-1.1). Content capture is off by default; "on" turns on
 * setCaptureMessageContent, which writes prompts and answers as log records.
 */
final class OpenAiJava implements Library {
  private final OpenAITelemetry telemetry;

  OpenAiJava(OpenTelemetry otel, String mode) {
    telemetry = OpenAITelemetry.builder(otel).setCaptureMessageContent(mode.equals("on")).build();
  }

  @Override
  public String name() {
    return "openai-java-otel";
  }

  @Override
  public String library() {
    return "com.openai:openai-java + io.opentelemetry.instrumentation:opentelemetry-openai-java-1.1";
  }

  @Override
  public String version() {
    return "openai-java 2.12.0, opentelemetry-openai-java-1.1 2.31.1-alpha, opentelemetry-sdk 1.65.0";
  }

  @Override
  public void call(String origin, Call call) {
    OpenAIClient raw =
        OpenAIOkHttpClient.builder()
            .baseUrl(origin + "/v1")
            .apiKey("sk-test")
            .maxRetries(call.maxRetries())
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      OpenAIClient client = telemetry.wrap(raw);
      ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model(call.model());
      if (call.system() != null) {
        params.addSystemMessage(call.system());
      }
      call.turns().forEach(params::addUserMessage);
      if (call.maxTokens() != null) {
        params.maxCompletionTokens(call.maxTokens());
      }
      if (!call.stream()) {
        client.chat().completions().create(params.build());
        return;
      }
      try (StreamResponse<ChatCompletionChunk> stream =
          client.chat().completions().createStreaming(params.build())) {
        if (call.abortAfterMs() > 0) {
          // The user pressed stop: the app closes the stream mid-answer.
          CompletableFuture.delayedExecutor(call.abortAfterMs(), TimeUnit.MILLISECONDS)
              .execute(stream::close);
        }
        stream.stream().forEach(chunk -> {});
      }
    } finally {
      raw.close();
    }
  }
}
