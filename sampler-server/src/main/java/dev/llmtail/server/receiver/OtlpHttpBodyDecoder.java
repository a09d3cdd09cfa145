package dev.llmtail.server.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import dev.llmtail.core.ingest.SlicedRequest;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.codec.OtlpJson;
import dev.llmtail.server.receiver.OtlpHttpHandler.Refusal;
import dev.llmtail.server.receiver.ReceivedBytes.Body;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads an OTLP/HTTP request body: gunzipped within the size limit, protobuf or OTLP JSON.
 *
 * <p>As the gRPC receiver does ({@link ReceivedBytes}), a body is copied once out of Netty's
 * buffers, into an array of {@link BodyArrays} that goes back once the request's spans are copied
 * into their fragments: a plain body by one copy of its bytes, a gzip body by inflating straight
 * from Netty's buffers into the array, sized from the gzip trailer's length when that is plausible.
 */
final class OtlpHttpBodyDecoder {

  /** Deflate inflates at most about 1 032 times; a trailer claiming more is not believed. */
  private static final int MAX_DEFLATE_RATIO = 1032;

  /** The gzip header and trailer: 10 and 8 bytes. */
  private static final int MIN_GZIP_BYTES = 18;

  private final int maxBodyBytes;
  private final BodyArrays arrays;

  /** One byte over the limit (what an inflating body may reach before it is refused). */
  private final int overLimit;

  OtlpHttpBodyDecoder(int maxBodyBytes, BodyArrays arrays) {
    this.maxBodyBytes = maxBodyBytes;
    this.arrays = arrays;
    this.overLimit = (int) Math.min(maxBodyBytes + 1L, Integer.MAX_VALUE - 8);
  }

  void decode(Body body, boolean json, Message.Builder into, String what) throws Refusal {
    try {
      if (json) {
        OtlpJson.merge(body.bytes(), body.length(), into);
      } else {
        into.mergeFrom(body.bytes(), 0, body.length());
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // JsonFormat reports some type mismatches as unchecked exceptions: still the client's error.
      throw invalidBody(body.length(), json, what, e);
    }
  }

  private static Refusal invalidBody(int length, boolean json, String what, Exception e) {
    return new Refusal(
        HttpResponseStatus.BAD_REQUEST,
        Code.INVALID_ARGUMENT,
        "request body ("
            + length
            + " bytes) is not "
            + (json ? "an OTLP JSON " : "a protobuf ")
            + what
            + ": "
            + OtlpHttpHandler.abbreviate(String.valueOf(e.getMessage())));
  }

  /**
   * Walks a protobuf traces body without decoding it; a JSON body is decoded and encoded once, then
   * walked the same way. The fragments of the result are copies: the body may be released after.
   */
  SlicedRequest slice(Body body, boolean json) throws Refusal {
    try {
      if (json) {
        ExportTraceServiceRequest.Builder parsed = ExportTraceServiceRequest.newBuilder();
        decode(body, true, parsed, "ExportTraceServiceRequest");
        return TraceSlicer.slice(parsed.build().toByteArray());
      }
      return TraceSlicer.slice(body.bytes(), body.length());
    } catch (InvalidProtocolBufferException e) {
      throw invalidBody(body.length(), json, "ExportTraceServiceRequest", e);
    }
  }

  /**
   * The body, gunzipped if it says so, never more than {@code maxBodyBytes}, in an array to {@link
   * Body#release} once read.
   */
  Body read(FullHttpRequest request) throws Refusal {
    ByteBuf content = request.content();
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
      int length = content.readableBytes();
      byte[] array = arrays.take(length);
      content.getBytes(content.readerIndex(), array, 0, length);
      return new Body(array, length, arrays);
    }
    if (!encoding.trim().equalsIgnoreCase("gzip")) {
      throw new Refusal(
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          Code.INVALID_ARGUMENT,
          "Content-Encoding '"
              + OtlpHttpHandler.abbreviate(encoding)
              + "' is not supported (expected: gzip or none)");
    }
    return gunzip(content);
  }

  private Body gunzip(ByteBuf content) throws Refusal {
    int compressed = content.readableBytes();
    byte[] array = arrays.take(inflatedSizeHint(content));
    int length = 0;
    try (InputStream in = new GZIPInputStream(new ByteBufInputStream(content.duplicate()), 8192)) {
      while (true) {
        if (length >= overLimit) {
          throw new Refusal(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              Code.RESOURCE_EXHAUSTED,
              "gzip body inflates to more than "
                  + maxBodyBytes
                  + " bytes (receivers.http.max_request_size); send smaller batches");
        }
        if (length == array.length) {
          array = grown(array, length);
        }
        int n = in.read(array, length, Math.min(array.length, overLimit) - length);
        if (n < 0) {
          return new Body(array, length, arrays);
        }
        length += n;
      }
    } catch (IOException e) {
      arrays.give(array);
      throw new Refusal(
          HttpResponseStatus.BAD_REQUEST,
          Code.INVALID_ARGUMENT,
          "Content-Encoding is gzip but the body ("
              + compressed
              + " bytes) is not valid gzip: "
              + e.getMessage());
    } catch (Refusal | RuntimeException e) {
      arrays.give(array);
      throw e;
    }
  }

  /** A full array's bytes in a larger one (at most one byte over the limit, to notice it). */
  private byte[] grown(byte[] full, int length) {
    byte[] larger = arrays.take((int) Math.min(2L * length, overLimit));
    System.arraycopy(full, 0, larger, 0, length);
    arrays.give(full);
    return larger;
  }

  /**
   * The inflated size the gzip trailer states (modulo 2^32, of the last member only), believed up
   * to what deflate can inflate to and one byte over the limit, so that a body that fits is
   * inflated into one array of its size; at least 1 KiB.
   */
  private int inflatedSizeHint(ByteBuf content) {
    int compressed = content.readableBytes();
    long stated =
        compressed < MIN_GZIP_BYTES
            ? 0
            : Integer.toUnsignedLong(content.getIntLE(content.writerIndex() - 4));
    long plausible = Math.min(stated, (long) compressed * MAX_DEFLATE_RATIO);
    // One byte more than the body, so that inflating it ends without growing the array.
    return (int) Math.max(1024, Math.min(plausible + 1, overLimit));
  }
}
