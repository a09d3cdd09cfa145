package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BodyArraysTest {

  private final BodyArrays arrays = new BodyArrays();

  @Test
  void reusesAGivenBackArrayForABodyThatFitsIt() {
    byte[] first = arrays.take(300_000);
    arrays.give(first);

    assertThat(first.length).isGreaterThanOrEqualTo(300_000);
    assertThat(arrays.take(200_000)).isSameAs(first);
  }

  @Test
  void neverHandsOneArrayToTwoBodiesAtOnce() {
    byte[] first = arrays.take(1000);
    byte[] second = arrays.take(1000);

    assertThat(second).isNotSameAs(first);
  }

  @Test
  void keepsAtMostItsLimitOfArraysOfAtMostItsSize() {
    byte[] large = arrays.take(BodyArrays.MAX_KEPT_BYTES + 1);
    arrays.give(large);
    assertThat(large).hasSize(BodyArrays.MAX_KEPT_BYTES + 1);
    assertThat(arrays.take(1000)).isNotSameAs(large);

    List<byte[]> taken = new ArrayList<>();
    for (int i = 0; i < BodyArrays.KEPT + 2; i++) {
      taken.add(arrays.take(1000));
    }
    taken.forEach(arrays::give);
    List<byte[]> again = new ArrayList<>();
    for (int i = 0; i < BodyArrays.KEPT + 2; i++) {
      again.add(arrays.take(1000));
    }
    assertThat(again.stream().filter(a -> taken.stream().anyMatch(t -> t == a)))
        .hasSize(BodyArrays.KEPT);
  }
}
