package dev.llmtail.policies.genai;

import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * What one pass over a span's attribute keys finds, kept on the span ({@link SpanView#keyMarks()})
 * so that every reader of one decision shares it: the GenAI normaliser's triage ({@link
 * PlainSpans}) and the policies that look for a few keys on every span ({@code retry-storm}'s HTTP
 * keys). The pass looks at the key's first character before comparing it, builds no map, view or
 * string, and reads one value only (the operation name, last one wins, as the readers' view).
 *
 * <p>Whoever asks first runs the pass; the marks are a function of the keys, so a pass run twice
 * (two threads, or a trace read again) stores the same value.
 */
public final class SpanKeys {

  /** Set on every stored value: 0 means no pass ran. */
  private static final int PASSED = 1;

  /** A key that makes the normaliser read the span whatever its value. */
  static final int READ = 1 << 1;

  /** {@code llm.request.type}, {@code gen_ai.system} or {@code gen_ai.provider.name}. */
  static final int CALL_MARK = 1 << 2;

  /** {@code gen_ai.operation.name}. */
  static final int OPERATION = 1 << 3;

  /** The last {@code gen_ai.operation.name} is blank or not text, or names a read operation. */
  static final int READ_OPERATION = 1 << 4;

  private static final int HTTP_RESEND = 1 << 5;
  private static final int HTTP_STATUS = 1 << 6;
  private static final int HTTP_URL = 1 << 7;
  private static final int STATUS = 1 << 8;

  /** Keys that make a span worth reading whatever their value (a list: compared, not hashed). */
  private static final List<String> READ_ANYWAY =
      List.of(
          "gen_ai.evaluation.name",
          "gen_ai.evaluation.score.label",
          "gen_ai.guardrail.result.type",
          "gen_ai.guardrail.result.value");

  /**
   * Operations that make a span a call, a wrapper or a guardrail. Compared ignoring case, which
   * matches whatever the readers' lower case ({@code Locale.ROOT}) matches, and more (the Kelvin
   * sign, a dotted capital I): more spans read, never fewer.
   */
  private static final String[] READ_OPERATIONS = {
    "chat",
    "text_completion",
    "generate_content",
    "embeddings",
    "completion",
    "responses",
    "invoke_agent",
    "apply_guardrail"
  };

  private SpanKeys() {}

  /**
   * Whether {@code span} has a key {@code retry-storm} reads a value from: {@code
   * http.request.resend_count}, {@code http.response.status_code}, {@code http.status_code}, or
   * {@code status} beside {@code http.url} (Spring's HTTP client observations).
   */
  public static boolean hasHttpAttempt(SpanView span) {
    int marks = marks(span);
    return (marks & (HTTP_RESEND | HTTP_STATUS)) != 0
        || (marks & (HTTP_URL | STATUS)) == (HTTP_URL | STATUS);
  }

  /** The marks of {@code span}'s keys, from the span if a pass ran, else from a pass now. */
  static int marks(SpanView span) {
    int marks = span.keyMarks();
    if (marks == 0) {
      marks = pass(span.proto().getAttributesList());
      span.keyMarks(marks);
    }
    return marks;
  }

  private static int pass(List<KeyValue> attributes) {
    int marks = PASSED;
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      String key = kv.getKey();
      if (key.isEmpty()) {
        continue;
      }
      // The first character rules out almost every key without comparing it.
      switch (key.charAt(0)) {
        case 'g' -> {
          if (key.equals("gen_ai.operation.name")) {
            marks |= OPERATION;
            marks =
                readOperation(SpanAttributes.text(kv.getValue()))
                    ? marks | READ_OPERATION
                    : marks & ~READ_OPERATION; // the last one wins
          } else if (key.equals("gen_ai.system") || key.equals("gen_ai.provider.name")) {
            marks |= CALL_MARK;
          } else if (READ_ANYWAY.contains(key)) {
            marks |= READ;
          }
        }
        case 'o' -> marks |= key.equals("openinference.span.kind") ? READ : 0;
        case 'l' -> marks |= key.equals("llm.request.type") ? CALL_MARK : 0;
        case 'e' -> marks |= key.startsWith("evaluations.") ? READ : 0;
        case 'a' -> marks |= key.startsWith("annotations.") ? READ : 0;
        case 'h' -> marks |= http(key);
        case 's' -> marks |= key.equals("status") ? STATUS : 0;
        default -> {}
      }
    }
    return marks;
  }

  private static int http(String key) {
    if (!key.startsWith("http.")) {
      return 0;
    }
    if (key.equals("http.request.resend_count")) {
      return HTTP_RESEND;
    }
    if (key.equals("http.response.status_code") || key.equals("http.status_code")) {
      return HTTP_STATUS;
    }
    return key.equals("http.url") ? HTTP_URL : 0;
  }

  /** Whether an operation named {@code named} (as the readers' text) makes a span worth reading. */
  private static boolean readOperation(String named) {
    if (named.isEmpty()) {
      return true;
    }
    for (String read : READ_OPERATIONS) {
      if (read.equalsIgnoreCase(named)) {
        return true;
      }
    }
    return false;
  }
}
