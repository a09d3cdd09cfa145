package dev.llmtail.server.receiver.kafka;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.jspecify.annotations.Nullable;

/** Writes and reads the {@link OffsetLedger} commit metadata (decided traces and outcomes). */
final class CommitMetadata {

  /** A previous owner's commit: its position, the traces it decided and their known outcomes. */
  record Parsed(long until, Set<TraceId> decided, Map<TraceId, RememberedDecision> outcomes) {}

  private CommitMetadata() {}

  /** One trace of the metadata: its id and, if known, its outcome, with the trailing comma. */
  static String entry(TraceId id, @Nullable RememberedDecision outcome) {
    String hex = id.toHex();
    if (outcome == null) {
      return hex + ",";
    }
    if (!outcome.kept()) {
      return hex + "-,";
    }
    double count = outcome.adjustedCount();
    return hex
        + "+"
        + (count == Math.rint(count) ? String.valueOf((long) count) : String.valueOf(count))
        + ",";
  }

  /** The commit's metadata, or null if there is none or another program wrote it. */
  static @Nullable Parsed parse(@Nullable OffsetAndMetadata committed) {
    if (committed == null
        || !(committed.metadata().startsWith(OffsetLedger.METADATA_PREFIX)
            || committed.metadata().startsWith(OffsetLedger.METADATA_PREFIX_V1))) {
      return null;
    }
    String[] parts = committed.metadata().split(";", 3);
    Set<TraceId> decided = new HashSet<>();
    Map<TraceId, RememberedDecision> outcomes = new HashMap<>();
    long until;
    try {
      until = Long.parseLong(parts[1]);
      for (String entry : parts.length > 2 ? parts[2].split(",", -1) : new String[0]) {
        if (entry.length() < 32) {
          continue;
        }
        TraceId id = TraceId.fromHex(entry.substring(0, 32));
        decided.add(id);
        String outcome = entry.substring(32);
        if (outcome.equals("-")) {
          outcomes.put(id, new RememberedDecision(false, OffsetLedger.INHERITED_DROPPED, 1));
        } else if (outcome.startsWith("+")) {
          outcomes.put(
              id,
              new RememberedDecision(
                  true, OffsetLedger.INHERITED_KEPT, Double.parseDouble(outcome.substring(1))));
        }
      }
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      // Written by another program into the same group: re-read everything, as without metadata.
      return null;
    }
    return new Parsed(until, decided, outcomes);
  }
}
