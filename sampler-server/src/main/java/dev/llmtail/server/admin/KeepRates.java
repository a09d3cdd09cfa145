package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.Vote;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answer of {@code /debug/keep-rates}: over each window, how many traces were decided, how many
 * kept, and for each policy how many it voted to keep. Counted from the decision log, so a window
 * older than the log's horizon is only partly covered ({@code covered: false}).
 */
final class KeepRates {

  private final DecisionLog log;
  private final Clock clock;

  KeepRates(DecisionLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  @SuppressWarnings("EnumOrdinal") // one count per vote, in an array indexed by the vote
  AdminResponse answer() {
    Instant now = clock.instant();
    Instant horizon = log.horizon();
    ObjectNode out = DebugApi.JSON.createObjectNode();
    out.put("log_horizon", horizon.toString());
    ArrayNode windows = out.putArray("windows");
    for (DebugApi.Window window : DebugApi.KEEP_RATE_WINDOWS) {
      Instant from = now.minus(window.length());
      List<DecisionRecord> records =
          log.recent(r -> !r.decision().decidedAt().isBefore(from), Integer.MAX_VALUE);
      ObjectNode w = windows.addObject();
      w.put("window", window.name());
      w.put("from", from.toString());
      w.put("covered", !horizon.isAfter(from));
      long kept = records.stream().filter(r -> r.decision().kept()).count();
      w.put("decisions", records.size());
      w.put("kept", kept);
      w.put("keep_rate", records.isEmpty() ? 0 : (double) kept / records.size());
      Map<String, long[]> byPolicy = new TreeMap<>();
      for (DecisionRecord r : records) {
        for (PolicyVerdict v : r.decision().verdicts()) {
          long[] c = byPolicy.computeIfAbsent(v.policy(), p -> new long[3]);
          c[v.verdict().vote().ordinal()]++;
        }
      }
      ArrayNode policies = w.putArray("policies");
      byPolicy.forEach(
          (name, c) -> {
            ObjectNode p = policies.addObject();
            p.put("name", name);
            long keeps = c[Vote.KEEP.ordinal()];
            p.put("keep_votes", keeps);
            p.put("drop_votes", c[Vote.DROP.ordinal()]);
            p.put("keep_rate", records.isEmpty() ? 0 : (double) keeps / records.size());
          });
    }
    return DebugApi.json(200, out);
  }
}
