package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A span is found by its hex id without writing every other span's id as hex: {@link
 * SpanView#hasSpanIdHex} answers as comparing with {@link SpanView#spanIdHex} does, for ids of any
 * length, before and after the hex id was computed, and for the id itself, its upper case, other
 * ids and strings of other lengths.
 */
class SpanIdLookupPropertiesTest {

  @Property(tries = 3000)
  void comparesAsTheHexIdDoes(@ForAll long seed) {
    Random rnd = new Random(seed);
    byte[] id = new byte[rnd.nextInt(5) == 0 ? rnd.nextInt(11) : 8];
    rnd.nextBytes(id);
    String own = HexFormat.of().formatHex(id);
    String asked =
        switch (rnd.nextInt(5)) {
          case 0 -> own;
          case 1 -> own.toUpperCase(Locale.ROOT);
          case 2 -> own.isEmpty() ? "0" : own.substring(0, own.length() - 1) + "0";
          case 3 -> own + "00";
          default ->
              HexFormat.of().formatHex(new byte[] {(byte) rnd.nextInt(), 1, 2, 3, 4, 5, 6, 7});
        };
    Span span = Span.newBuilder().setSpanId(ByteString.copyFrom(id)).setName("s").build();
    SpanView fresh = new SpanView(span, Resource.getDefaultInstance(), scope());
    SpanView cached = new SpanView(span, Resource.getDefaultInstance(), scope());
    boolean expected = cached.spanIdHex().equals(asked);

    assertThat(fresh.hasSpanIdHex(asked)).as("%s vs %s", own, asked).isEqualTo(expected);
    assertThat(cached.hasSpanIdHex(asked)).isEqualTo(expected);
  }

  private static InstrumentationScope scope() {
    return InstrumentationScope.getDefaultInstance();
  }
}
