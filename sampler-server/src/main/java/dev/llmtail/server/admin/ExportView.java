package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.server.exporter.ExportStatus;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Heads {@code /debug/config} with whether kept traces reach their destination: {@code export} with
 * {@code state} ({@code working} or {@code failing}), {@code failing_since}, {@code last_cause},
 * {@code failed_attempts} and a {@code summary} line the {@code /debug} page shows.
 */
final class ExportView {

  private ExportView() {}

  /** {@code config} as it is asked, headed by the export status of that moment. */
  static Supplier<ObjectNode> heading(
      Supplier<ObjectNode> config, Supplier<ExportStatus> export, Clock clock) {
    return () -> {
      ExportStatus status = export.get();
      ObjectNode out = DebugApi.JSON.createObjectNode();
      ObjectNode node = out.putObject("export");
      node.put("destination", status.destination());
      node.put("state", status.failing() ? "failing" : "working");
      status
          .failingSince()
          .ifPresent(
              since -> {
                node.put("failing_since", since.toString());
                node.put("last_cause", status.lastCause());
                node.put("failed_attempts", status.failedAttempts());
              });
      node.put("summary", status.describe(clock.instant()));
      out.setAll(config.get());
      return out;
    };
  }
}
