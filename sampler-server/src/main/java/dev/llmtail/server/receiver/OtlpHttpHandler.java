package dev.llmtail.server.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.llmtail.server.auth.BearerToken;
import dev.llmtail.server.internal.NettyHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Answers one OTLP/HTTP request as the OTLP specification says: 200 with an {@code Export…Response}
 * (and partial success for rejected spans); 400 for a body that cannot be decoded; 404 for an
 * unknown path; 405 for a method other than POST; 413 for a body over the limit, before or after
 * gzip; 415 for a content type other than {@code application/x-protobuf} or {@code
 * application/json} or an encoding other than gzip; 401 without the configured bearer token; 429 or
 * 503 with {@code Retry-After} under backpressure. Error bodies are a {@code google.rpc.Status} in
 * the request's content type, or plain text when the request's content type is neither (so that
 * curl shows a sentence). Nothing here throws to Netty: an unexpected failure is answered 500 and
 * counted.
 */
final class OtlpHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final System.Logger LOG = System.getLogger(OtlpHttpHandler.class.getName());
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  private static final JsonFormat.Printer JSON_PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace().printingEnumsAsInts();

  /** Counters shared by every connection's handler. */
  static final class Metrics {
    final MeterRegistry meters;
    final Counter failures;
    final Counter unauthenticated;

    Metrics(MeterRegistry meters) {
      this.meters = meters;
      this.unauthenticated = OtlpGrpcReceiver.unauthenticated(meters, "http");
      this.failures =
          Counter.builder("llmtail.receiver.requests.failed")
              .description("Requests that failed inside llmtail (a bug): answered 500")
              .tag("transport", "http")
              .register(meters);
    }

    Counter answered(int status) {
      return Counter.builder("llmtail.receiver.http.responses")
          .description("OTLP/HTTP responses by status code")
          .tag("status", String.valueOf(status))
          .register(meters);
    }
  }

  private final OtlpHttpBodyDecoder decoder;
  private final SpanIntake spans;
  private final LogIntake logs;
  private final Metrics metrics;
  private final BearerToken token;

  OtlpHttpHandler(
      int maxBodyBytes,
      BodyArrays arrays,
      SpanIntake spans,
      LogIntake logs,
      Metrics metrics,
      BearerToken token) {
    this.token = token;
    this.decoder = new OtlpHttpBodyDecoder(maxBodyBytes, arrays);
    this.spans = spans;
    this.logs = logs;
    this.metrics = metrics;
  }

  /** A failure answered with an HTTP status and a message, in the request's content type. */
  static final class Refusal extends Exception {
    final HttpResponseStatus status;
    final Code code;

    Refusal(HttpResponseStatus status, Code code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean json = JSON.equals(mediaType(request));
    try {
      handle(ctx, request, json);
    } catch (Refusal r) {
      if (r.status.code() == 400) {
        spans.invalid("http");
      }
      answerError(ctx, request, json, r.status, r.code, String.valueOf(r.getMessage()), null);
    } catch (RuntimeException e) {
      metrics.failures.increment();
      LOG.log(System.Logger.Level.ERROR, "OTLP/HTTP request failed inside llmtail", e);
      answerError(
          ctx,
          request,
          json,
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          Code.INTERNAL,
          "llmtail failed to handle the request: " + e,
          null);
    }
  }

  private void handle(ChannelHandlerContext ctx, FullHttpRequest request, boolean json)
      throws Refusal {
    if (request.decoderResult().isFailure()) {
      throw new Refusal(
          HttpResponseStatus.BAD_REQUEST,
          Code.INVALID_ARGUMENT,
          "malformed HTTP request: " + request.decoderResult().cause());
    }
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (!token.admits(authorization)) {
      metrics.unauthenticated.increment();
      throw new Refusal(
          HttpResponseStatus.UNAUTHORIZED,
          Code.UNAUTHENTICATED,
          BearerToken.refusal(authorization, "receivers.http.auth.bearer_token"));
    }
    String path = request.uri();
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    boolean traces = path.equals("/v1/traces");
    if (!traces && !path.equals("/v1/logs")) {
      throw new Refusal(
          HttpResponseStatus.NOT_FOUND,
          Code.NOT_FOUND,
          "no OTLP endpoint at '" + abbreviate(path) + "' (expected: POST /v1/traces or /v1/logs)");
    }
    if (!HttpMethod.POST.equals(request.method())) {
      throw new Refusal(
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          Code.UNIMPLEMENTED,
          request.method() + " " + path + " is not supported (expected: POST)");
    }
    String type = mediaType(request);
    if (!PROTOBUF.equals(type) && !JSON.equals(type)) {
      throw new Refusal(
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          Code.INVALID_ARGUMENT,
          "Content-Type '"
              + abbreviate(String.valueOf(request.headers().get(HttpHeaderNames.CONTENT_TYPE)))
              + "' is not supported (expected: application/x-protobuf or application/json;"
              + " with curl, add -H 'Content-Type: application/json')");
    }
    ReceivedBytes.Body body = decoder.read(request);
    if (traces) {
      SpanIntake.Outcome outcome;
      try {
        outcome = spans.accept(decoder.slice(body, json), "http");
      } finally {
        body.release(); // the admitted spans are copies
      }
      answerTraces(ctx, request, json, outcome);
    } else {
      ExportLogsServiceRequest.Builder parsed = ExportLogsServiceRequest.newBuilder();
      try {
        decoder.decode(body, json, parsed, "ExportLogsServiceRequest");
      } finally {
        body.release(); // parsed messages copy what they hold
      }
      ExportLogsServiceResponse answer;
      try {
        answer = logs.accept(parsed.build());
      } catch (LogIntake.RefusedException e) {
        answerRefused(ctx, request, json, e.refusal());
        return;
      }
      answer(ctx, request, json, HttpResponseStatus.OK, answer, null);
    }
  }

  private void answerTraces(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      boolean json,
      SpanIntake.Outcome outcome) {
    if (outcome instanceof SpanIntake.Refused refused) {
      answerRefused(ctx, request, json, refused.refusal());
      return;
    }
    SpanIntake.Admitted admitted = (SpanIntake.Admitted) outcome;
    ExportTraceServiceResponse.Builder answer = ExportTraceServiceResponse.newBuilder();
    if (admitted.rejectedSpans() > 0) {
      answer.setPartialSuccess(
          ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(admitted.rejectedSpans())
              .setErrorMessage(admitted.message()));
    }
    answer(ctx, request, json, HttpResponseStatus.OK, answer.build(), null);
  }

  /** A retryable refusal: 429 for a full buffer or span log, 503 for a full exporter. */
  private void answerRefused(
      ChannelHandlerContext ctx, FullHttpRequest request, boolean json, Backpressure.Refusal r) {
    boolean exhausted = r.kind().exhausted();
    answerError(
        ctx,
        request,
        json,
        exhausted ? HttpResponseStatus.TOO_MANY_REQUESTS : HttpResponseStatus.SERVICE_UNAVAILABLE,
        exhausted ? Code.RESOURCE_EXHAUSTED : Code.UNAVAILABLE,
        r.message(),
        String.valueOf(Math.max(1, (r.retryAfter().toMillis() + 999) / 1000)));
  }

  private void answerError(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      boolean json,
      HttpResponseStatus status,
      Code code,
      String message,
      @Nullable String retryAfter) {
    LOG.log(System.Logger.Level.DEBUG, "OTLP/HTTP {0}: {1}", status.code(), message);
    String type = mediaType(request);
    if (!PROTOBUF.equals(type) && !JSON.equals(type)) {
      // Neither encoding the client can read: a person with curl, most likely. Answer in words.
      answerText(ctx, request, status, message, retryAfter);
      return;
    }
    answer(
        ctx,
        request,
        json,
        status,
        Status.newBuilder().setCode(code.getNumber()).setMessage(message).build(),
        retryAfter);
  }

  private void answer(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      boolean json,
      HttpResponseStatus status,
      Message body,
      @Nullable String retryAfter) {
    byte[] bytes;
    try {
      bytes = json ? JSON_PRINTER.print(body).getBytes(StandardCharsets.UTF_8) : body.toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print an OTLP response as JSON", e);
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, json ? JSON : PROTOBUF)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
      response.headers().set(HttpHeaderNames.ALLOW, "POST");
    }
    if (status.equals(HttpResponseStatus.UNAUTHORIZED)) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"llmtail\"");
    }
    if (retryAfter != null) {
      response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    metrics.answered(status.code()).increment();
    NettyHttp.send(ctx, request, response);
  }

  private void answerText(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      HttpResponseStatus status,
      String message,
      @Nullable String retryAfter) {
    byte[] bytes = (status + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
      response.headers().set(HttpHeaderNames.ALLOW, "POST");
    }
    if (retryAfter != null) {
      response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    metrics.answered(status.code()).increment();
    NettyHttp.send(ctx, request, response);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A broken connection or a malformed HTTP message: nothing was admitted, nobody to answer.
    LOG.log(
        System.Logger.Level.DEBUG,
        "OTLP/HTTP connection closed after an error: {0}",
        cause.toString());
    ctx.close();
  }

  private static String mediaType(FullHttpRequest request) {
    String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null) {
      return "";
    }
    int semicolon = type.indexOf(';');
    return (semicolon >= 0 ? type.substring(0, semicolon) : type).trim().toLowerCase(Locale.ROOT);
  }

  static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }
}
