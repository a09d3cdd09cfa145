package dev.llmtail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Talks to a running sidecar over loopback as a user would: OTLP/gRPC in, admin HTTP out. */
final class AdminClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Sidecar sidecar;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ManagedChannel channel;
  private String token = "";

  AdminClient(Sidecar sidecar) {
    this.sidecar = sidecar;
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", sidecar.grpcPort()).usePlaintext().build();
  }

  AdminClient withToken(String token) {
    this.token = token;
    return this;
  }

  void send(TraceBuilder trace) {
    TraceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(trace.request());
  }

  void send(io.opentelemetry.proto.trace.v1.ResourceSpans spans) {
    TraceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(
            io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(spans)
                .build());
  }

  HttpResponse<String> get(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.adminPort() + path)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    request.timeout(Duration.ofSeconds(10));
    if (!token.isEmpty()) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * POSTs an empty body, e.g. to {@code /debug/traces/{id}/keep}, with the header that marks it as
   * no cross-site forgery ({@code X-Llmtail-Request}), as the {@code /debug} page and curl send it.
   */
  HttpResponse<String> post(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.adminPort() + path))
            .header("X-Llmtail-Request", "keep")
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** Sends an empty-bodied {@code method} request with these headers, as a documented curl does. */
  HttpResponse<String> request(String method, String path, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.adminPort() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(request::header);
    return send(request);
  }

  /** GETs a JSON page that must answer 200. */
  JsonNode json(String path) {
    HttpResponse<String> r = get(path);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The trace's state; "decided" only once the decision log holds the full record (for a moment the
   * answer may come from the buffer's remembered decision alone).
   */
  String state(String traceId) {
    JsonNode answer = json("/debug/traces/" + traceId);
    String state = answer.path("state").asText();
    return state.equals("decided") && !answer.path("decision").has("policies")
        ? "decided, record pending"
        : state;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
