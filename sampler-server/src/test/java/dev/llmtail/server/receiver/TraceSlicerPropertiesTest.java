package dev.llmtail.server.receiver;

import static dev.llmtail.server.receiver.SliceAssertions.protobufParses;
import static dev.llmtail.server.receiver.SliceAssertions.slicerReads;
import static dev.llmtail.server.receiver.SliceAssertions.slicesLikeMessages;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.llmtail.core.ingest.TraceSlicer;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * {@link TraceSlicer} over generated requests: several resources and scopes, traces interleaved,
 * invalid ids, optional resources, scopes and schema urls. Its fragments equal, parsed and byte for
 * byte, what building messages gave; damaged bodies are refused exactly when protobuf refuses them.
 */
class TraceSlicerPropertiesTest {

  @Property(tries = 300)
  void slicesGeneratedRequestsLikeTheMessageGrouping(@ForAll("requests") TracesData request)
      throws Exception {
    slicesLikeMessages(request.toByteArray(), true);
  }

  @Property(tries = 500)
  void refusesDamagedBodiesExactlyWhenProtobufDoes(
      @ForAll("requests") TracesData request,
      @ForAll("damage") MalformedRequestPropertiesTest.Corruption damage)
      throws Exception {
    byte[] body = damage.apply(request.toByteArray());
    boolean parses = protobufParses(body);
    assertThat(slicerReads(body)).as("slicer reads it iff protobuf parses it").isEqualTo(parses);
    if (parses) {
      slicesLikeMessages(body, false);
    }
  }

  @Property(tries = 300)
  void refusesArbitraryBytesExactlyWhenProtobufDoes(@ForAll @Size(max = 512) byte[] body)
      throws Exception {
    boolean parses = protobufParses(body);
    assertThat(slicerReads(body)).isEqualTo(parses);
    if (parses) {
      slicesLikeMessages(body, false);
    }
  }

  @Provide
  Arbitrary<TracesData> requests() {
    return resourceSpans()
        .list()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(rs -> TracesData.newBuilder().addAllResourceSpans(rs).build());
  }

  private Arbitrary<ResourceSpans> resourceSpans() {
    Arbitrary<Resource> resource =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .ofMaxLength(6)
            .map(name -> Resource.newBuilder().addAttributes(kv("service.name", name)).build());
    return Combinators.combine(
            resource.optional(0.8), scopeSpans().list().ofMaxSize(3), schemaUrl())
        .as(
            (r, scopes, url) -> {
              ResourceSpans.Builder b =
                  ResourceSpans.newBuilder().addAllScopeSpans(scopes).setSchemaUrl(url);
              r.ifPresent(b::setResource);
              return b.build();
            });
  }

  private Arbitrary<ScopeSpans> scopeSpans() {
    Arbitrary<InstrumentationScope> scope =
        Arbitraries.of("openai", "langchain", "ü-scope")
            .map(n -> InstrumentationScope.newBuilder().setName(n).setVersion("1").build());
    return Combinators.combine(scope.optional(0.7), spans().list().ofMaxSize(6), schemaUrl())
        .as(
            (s, spans, url) -> {
              ScopeSpans.Builder b = ScopeSpans.newBuilder().addAllSpans(spans).setSchemaUrl(url);
              s.ifPresent(b::setScope);
              return b.build();
            });
  }

  private Arbitrary<String> schemaUrl() {
    return Arbitraries.of("", "", "https://opentelemetry.io/schemas/1.26.0");
  }

  private Arbitrary<Span> spans() {
    // Three trace ids, so that traces interleave; now and then an id that is not valid.
    Arbitrary<ByteString> traceId =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, Arbitraries.of(1, 2, 3).map(n -> id(16, n))),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(id(16, 0), id(4, 1), ByteString.EMPTY)));
    Arbitrary<ByteString> spanId =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, Arbitraries.integers().between(1, 200).map(n -> id(8, n))),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(id(8, 0), id(7, 1), ByteString.EMPTY)));
    Arbitrary<ByteString> parent =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.just(ByteString.EMPTY)),
            net.jqwik.api.Tuple.of(6, Arbitraries.just(id(8, 7))),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(id(5, 7))));
    Arbitrary<String> name = Arbitraries.strings().ofMaxLength(12);
    Arbitrary<Long> end = Arbitraries.of(0L, 1_700_000_000_000_000_000L);
    Arbitrary<List<KeyValue>> attributes =
        Arbitraries.strings().ofMaxLength(30).map(v -> kv("gen_ai.prompt", v)).list().ofMaxSize(3);
    return Combinators.combine(traceId, spanId, parent, name, end, attributes)
        .as(
            (t, s, p, n, e, a) ->
                Span.newBuilder()
                    .setTraceId(t)
                    .setSpanId(s)
                    .setParentSpanId(p)
                    .setName(n)
                    .setStartTimeUnixNano(1)
                    .setEndTimeUnixNano(e)
                    .addAllAttributes(a)
                    .build());
  }

  @Provide
  Arbitrary<MalformedRequestPropertiesTest.Corruption> damage() {
    Arbitrary<MalformedRequestPropertiesTest.Corruption> insert =
        Combinators.combine(
                Arbitraries.doubles().between(0, 1),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(4))
            .as(
                (f, x) ->
                    b -> {
                      int at = (int) (b.length * f);
                      byte[] c = Arrays.copyOf(b, b.length + x.length);
                      System.arraycopy(b, at, c, at + x.length, b.length - at);
                      System.arraycopy(x, 0, c, at, x.length);
                      return c;
                    });
    // The receivers' malformed-request test's truncations, flipped bytes and appended bytes, and
    // bytes inserted anywhere.
    return Arbitraries.oneOf(new MalformedRequestPropertiesTest().corruptions(), insert);
  }

  private static ByteString id(int length, int last) {
    byte[] b = new byte[length];
    if (length > 0) {
      b[length - 1] = (byte) last;
    }
    return ByteString.copyFrom(b);
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }
}
