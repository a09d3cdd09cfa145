package dev.llmtail.server.storage;

/**
 * What {@link SpanLog#recover} found.
 *
 * @param undecidedTraces traces restored to the buffer, to be decided as if nothing had happened
 * @param keptTraces kept traces whose export had not been confirmed, to be exported again
 * @param fragments span and log fragments read back
 * @param corruptRecords records whose checksum or encoding did not match: skipped and counted
 */
public record RecoveryReport(
    int undecidedTraces, int keptTraces, long fragments, long corruptRecords) {
  static final RecoveryReport EMPTY = new RecoveryReport(0, 0, 0, 0);
}
