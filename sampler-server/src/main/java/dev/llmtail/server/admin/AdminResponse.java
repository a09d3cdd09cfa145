package dev.llmtail.server.admin;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An answer of the admin server before it is written to the wire: status, type, body, headers. */
@SuppressWarnings("ArrayRecordComponent") // never compared or hashed: the body goes to the wire
record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

  static final String JSON = "application/json; charset=utf-8";
  static final String TEXT = "text/plain; charset=utf-8";
  static final String HTML = "text/html; charset=utf-8";

  static AdminResponse of(int status, String contentType, String body) {
    return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  AdminResponse withHeader(String name, String value) {
    Map<String, String> h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new AdminResponse(status, contentType, body, Map.copyOf(h));
  }
}
