package dev.llmtail.server.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import dev.llmtail.core.ingest.SlicedRequest;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.codec.OtlpJson;
import dev.llmtail.server.receiver.OtlpHttpHandler.Refusal;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Reads an OTLP/HTTP request body: gunzipped within the size limit, protobuf or OTLP JSON. */
final class OtlpHttpBodyDecoder {

  private final int maxBodyBytes;

  OtlpHttpBodyDecoder(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  void decode(byte[] body, boolean json, Message.Builder into, String what) throws Refusal {
    try {
      if (json) {
        OtlpJson.merge(body, into);
      } else {
        into.mergeFrom(body);
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // JsonFormat reports some type mismatches as unchecked exceptions: still the client's error.
      throw invalidBody(body, json, what, e);
    }
  }

  private static Refusal invalidBody(byte[] body, boolean json, String what, Exception e) {
    return new Refusal(
        HttpResponseStatus.BAD_REQUEST,
        Code.INVALID_ARGUMENT,
        "request body ("
            + body.length
            + " bytes) is not "
            + (json ? "an OTLP JSON " : "a protobuf ")
            + what
            + ": "
            + OtlpHttpHandler.abbreviate(String.valueOf(e.getMessage())));
  }

  /**
   * Walks a protobuf traces body without decoding it; a JSON body is decoded and encoded once, then
   * walked the same way.
   */
  SlicedRequest slice(byte[] body, boolean json) throws Refusal {
    byte[] encoded = body;
    if (json) {
      ExportTraceServiceRequest.Builder parsed = ExportTraceServiceRequest.newBuilder();
      decode(body, true, parsed, "ExportTraceServiceRequest");
      encoded = parsed.build().toByteArray();
    }
    try {
      return TraceSlicer.slice(encoded);
    } catch (InvalidProtocolBufferException e) {
      throw invalidBody(body, json, "ExportTraceServiceRequest", e);
    }
  }

  /** The body, gunzipped if it says so, never more than {@code maxBodyBytes}. */
  byte[] decompress(FullHttpRequest request) throws Refusal {
    byte[] raw = ByteBufUtil.getBytes(request.content());
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
      return raw;
    }
    if (!encoding.trim().equalsIgnoreCase("gzip")) {
      throw new Refusal(
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          Code.INVALID_ARGUMENT,
          "Content-Encoding '"
              + OtlpHttpHandler.abbreviate(encoding)
              + "' is not supported (expected: gzip or none)");
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 8192)) {
      ByteArrayOutputStream out =
          new ByteArrayOutputStream(Math.min(maxBodyBytes, raw.length * 4 + 64));
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (out.size() + n > maxBodyBytes) {
          throw new Refusal(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              Code.RESOURCE_EXHAUSTED,
              "gzip body inflates to more than "
                  + maxBodyBytes
                  + " bytes (receivers.http.max_request_size); send smaller batches");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new Refusal(
          HttpResponseStatus.BAD_REQUEST,
          Code.INVALID_ARGUMENT,
          "Content-Encoding is gzip but the body ("
              + raw.length
              + " bytes) is not valid gzip: "
              + e.getMessage());
    }
  }
}
