package dev.llmtail.server.promotion;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link LateEvidence#carries(TraceFragment)} reads the fragment's bytes and answers as reading its
 * parsed messages does: over generated spans with statuses, result attributes, near misses and
 * events, and over fields that occur twice, which protobuf's parser merges.
 */
class EncodedEvidenceTest {

  private static final TraceId TRACE = new TraceId(1, 2);

  /** What {@code carries} answered when it parsed the fragment: the oracle. */
  private static boolean carriesParsed(ResourceSpans spans) {
    for (ScopeSpans ss : spans.getScopeSpansList()) {
      for (Span span : ss.getSpansList()) {
        if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
          return true;
        }
        for (KeyValue kv : span.getAttributesList()) {
          for (String prefix :
              List.of("gen_ai.evaluation.", "gen_ai.guardrail.", "evaluations.", "annotations.")) {
            if (kv.getKey().startsWith(prefix)) {
              return true;
            }
          }
        }
        for (Span.Event event : span.getEventsList()) {
          if (event.getName().equals("gen_ai.evaluation.result")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean carries(byte[] encoded) {
    return LateEvidence.carries(new TraceFragment(TRACE, encoded, 1, false));
  }

  @Property(tries = 500)
  void answersAsTheParsedMessagesDo(@ForAll("fragments") ResourceSpans spans) throws Exception {
    byte[] encoded = spans.toByteArray();
    assertThat(carries(encoded)).isEqualTo(carriesParsed(ResourceSpans.parseFrom(encoded)));
  }

  @Property(tries = 300)
  void answersAsTheParsedMessagesDoWhenFieldsOccurTwice(
      @ForAll("fragments") ResourceSpans first, @ForAll("span") Span span) throws Exception {
    // Two encodings one after the other parse as one message, merged: repeated fields are
    // appended, a span's second status, attribute key or event name merges into its first.
    byte[] encoded =
        concat(
            first.toByteArray(),
            fragmentOf(
                concat(
                    span.toByteArray(),
                    span.toBuilder()
                        .clearStatus()
                        .setStatus(Status.newBuilder().setMessage("again"))
                        .build()
                        .toByteArray())));
    assertThat(carries(encoded)).isEqualTo(carriesParsed(ResourceSpans.parseFrom(encoded)));
  }

  @Test
  void aSecondStatusWithoutACodeKeepsTheErrorAndOneWithACodeReplacesIt() throws Exception {
    byte[] error = span(Span.newBuilder().setStatus(status(Status.StatusCode.STATUS_CODE_ERROR)));
    byte[] message = span(Span.newBuilder().setStatus(Status.newBuilder().setMessage("timeout")));
    byte[] ok = span(Span.newBuilder().setStatus(status(Status.StatusCode.STATUS_CODE_OK)));

    assertThat(carries(inOneSpan(error, message))).isTrue();
    assertThat(carries(inOneSpan(error, ok))).isFalse();
    assertThat(carries(inOneSpan(ok, error))).isTrue();
  }

  @Test
  void theLastKeyOfAnAttributeCounts() throws Exception {
    byte[] result = KeyValue.newBuilder().setKey("gen_ai.evaluation.score").build().toByteArray();
    byte[] plain = KeyValue.newBuilder().setKey("http.method").build().toByteArray();
    assertThat(carries(withAttribute(concat(plain, result)))).isTrue();
    assertThat(carries(withAttribute(concat(result, plain)))).isFalse();
  }

  /** A fragment with one span whose fields are {@code parts}, concatenated. */
  private static byte[] inOneSpan(byte[]... parts) {
    return fragmentOf(concat(parts));
  }

  /** A fragment with one span with one attribute encoded as {@code keyValue}. */
  private static byte[] withAttribute(byte[] keyValue) {
    return fragmentOf(field(9, keyValue)); // Span.attributes
  }

  /** A ResourceSpans with one scope with the encoded span {@code span}, as it is. */
  private static byte[] fragmentOf(byte[] span) {
    return field(2, field(2, span)); // ResourceSpans.scope_spans, ScopeSpans.spans
  }

  private static byte[] field(int number, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.writeByteArray(number, body);
      coded.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static byte[] span(Span.Builder span) {
    return span.build().toByteArray();
  }

  private static Status status(Status.StatusCode code) {
    return Status.newBuilder().setCode(code).build();
  }

  @Provide
  Arbitrary<Span> span() {
    return spans();
  }

  @Provide
  Arbitrary<ResourceSpans> fragments() {
    return spans()
        .list()
        .ofMaxSize(3)
        .list()
        .ofMaxSize(3)
        .map(
            scopes -> {
              ResourceSpans.Builder rs = ResourceSpans.newBuilder();
              for (List<Span> spans : scopes) {
                rs.addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans));
              }
              return rs.build();
            });
  }

  private Arbitrary<Span> spans() {
    Arbitrary<Integer> code = Arbitraries.integers().between(0, 3);
    Arbitrary<List<String>> keys = names().list().ofMaxSize(4);
    Arbitrary<List<String>> events = names().list().ofMaxSize(3);
    return Combinators.combine(code, keys, events, Arbitraries.of(true, false))
        .as(
            (c, k, e, withStatusMessage) -> {
              Span.Builder span = Span.newBuilder().setName("op");
              if (c > 0 || withStatusMessage) {
                Status.Builder status = Status.newBuilder().setCodeValue(c);
                if (withStatusMessage) {
                  status.setMessage("message");
                }
                span.setStatus(status);
              }
              for (String key : k) {
                span.addAttributes(
                    KeyValue.newBuilder()
                        .setKey(key)
                        .setValue(AnyValue.newBuilder().setStringValue("gen_ai.evaluation.x")));
              }
              for (String name : e) {
                span.addEvents(
                    Span.Event.newBuilder()
                        .setName(name)
                        .addAttributes(KeyValue.newBuilder().setKey("gen_ai.evaluation.score")));
              }
              return span.build();
            });
  }

  /** Keys and event names: results, near misses (a prefix cut short, other case), others. */
  private Arbitrary<String> names() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "gen_ai.evaluation.",
            "gen_ai.evaluation.score",
            "gen_ai.evaluation.result",
            "gen_ai.evaluation.resul",
            "gen_ai.evaluation.result.x",
            "gen_ai.evaluation",
            "gen_ai.guardrail.triggered",
            "Gen_ai.guardrail.x",
            "evaluations.0.score",
            "evaluations",
            "annotations.1.label",
            "annotation.x",
            "gen_ai.request.model",
            "",
            "é.evaluations."),
        Arbitraries.strings().withCharRange('a', 'z').withChars('.', '_').ofMaxLength(20));
  }
}
