package dev.llmtail.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link TraceGroups} groups spans as a map from trace id to its spans in insertion order does, for
 * ids drawn from a few values (many spans per trace, colliding table slots) and any range.
 */
class TraceGroupsPropertiesTest {

  @Property(tries = 1000)
  void groupsLikeAnInsertionOrderedMap(
      @ForAll @Size(min = 1, max = 300) List<@LongRange(min = 0, max = 6) Long> highs,
      @ForAll @Size(min = 300, max = 300) List<@LongRange(min = 0, max = 3) Long> lows,
      @ForAll @IntRange(max = 5) int skip) {
    int from = Math.min(skip, highs.size() - 1);
    int to = highs.size();
    // Span k's trace id at byte 16 * k + 3 of a request, as (highs[k], lows[k]).
    ByteBuffer request = ByteBuffer.allocate(16 * to + 3);
    int[] traceStarts = new int[to];
    Map<List<Long>, List<Integer>> expected = new LinkedHashMap<>();
    for (int k = 0; k < to; k++) {
      traceStarts[k] = 16 * k + 3;
      request.putLong(traceStarts[k], highs.get(k)).putLong(traceStarts[k] + 8, lows.get(k));
      if (k >= from) {
        expected
            .computeIfAbsent(List.of(highs.get(k), lows.get(k)), id -> new ArrayList<>())
            .add(k);
      }
    }

    TraceGroups groups = TraceGroups.of(request.array(), traceStarts, from, to);

    List<List<Integer>> actual = new ArrayList<>();
    for (int g = 0; g < groups.count(); g++) {
      List<Integer> spans = new ArrayList<>();
      for (int i = groups.start(g); i < groups.start(g + 1); i++) {
        spans.add(groups.spans()[i]);
      }
      actual.add(spans);
    }
    assertThat(actual).containsExactlyElementsOf(expected.values());
  }
}
