package dev.llmtail.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawBytesTest {

  private final RawBytes marshaller = new RawBytes();

  /** What gRPC hands a marshaller for an uncompressed message: its length is known. */
  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    private final int claimed;

    KnownLengthStream(byte[] bytes, int claimed) {
      super(bytes);
      this.claimed = claimed;
    }

    @Override
    public synchronized int available() {
      return claimed;
    }
  }

  @Test
  void readsAMessageOfKnownLengthAndOneOfUnknownLength() {
    byte[] message = "an export request".getBytes(StandardCharsets.UTF_8);

    assertThat(marshaller.parse(new KnownLengthStream(message, message.length))).isEqualTo(message);
    assertThat(marshaller.parse(new ByteArrayInputStream(message))).isEqualTo(message);
  }

  @Test
  void refusesAMessageShorterThanItsKnownLengthAsAnInternalError() {
    byte[] message = new byte[10];

    assertThatThrownBy(() -> marshaller.parse(new KnownLengthStream(message, 20)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getCause()).hasMessageContaining("after 10 of its 20 bytes");
            });
  }

  @Test
  void writesAnOutgoingArrayWholeWithItsLengthKnownUpFront() throws IOException {
    byte[] message = "kept spans".getBytes(StandardCharsets.UTF_8);
    InputStream stream = marshaller.stream(message);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    assertThat(stream).isInstanceOf(KnownLength.class);
    assertThat(stream.available()).isEqualTo(message.length);
    assertThat(((Drainable) stream).drainTo(out)).isEqualTo(message.length);
    assertThat(out.toByteArray()).isEqualTo(message);
    assertThat(stream.read()).isEqualTo(-1);
  }
}
