package dev.llmtail.server.replay;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.GroupedLogs;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceGrouper;
import dev.llmtail.server.codec.OtlpJson;
import io.opentelemetry.proto.logs.v1.LogsData;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Traces recorded in OTLP JSON files, grouped by trace id, in the order their first span was read.
 *
 * <p>Reads what the Collector's file exporter and llmtail's own file exporter write: one {@code
 * TracesData} (or {@code LogsData}) object per line, and also a single, possibly pretty-printed,
 * document (any sequence of top-level JSON objects). Decoding is {@link OtlpJson}'s, the
 * receiver's; grouping is {@link TraceGrouper}'s and {@link LogGrouper}'s, the buffer's. Spans with
 * invalid ids are skipped and counted, as the receiver would reject them.
 *
 * <p>Everything is held in memory: replay is an offline tool, sized by the recording. Not
 * thread-safe while reading; immutable afterwards.
 */
public final class RecordedTraces {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Map<TraceId, Recorded> traces = new LinkedHashMap<>();
  private int spans;
  private int rejectedSpans;
  private int logRecords;

  private RecordedTraces() {}

  /** What one trace's recording holds. */
  private static final class Recorded {
    final List<ResourceSpans> spans = new ArrayList<>();
    final List<ResourceLogs> logs = new ArrayList<>();
  }

  /**
   * Reads every input in order; reports progress by bytes read. Throws naming the file, line and
   * problem if an input is missing or is not OTLP JSON.
   */
  public static RecordedTraces read(List<Path> inputs, ReadProgress progress)
      throws RecordingException {
    RecordedTraces recorded = new RecordedTraces();
    long total = 0;
    for (Path input : inputs) {
      try {
        total += Files.size(input);
      } catch (NoSuchFileException e) {
        throw new RecordingException(
            input
                + ": no such file (expected: an OTLP JSON file, e.g. what"
                + " the file exporter wrote)");
      } catch (IOException e) {
        throw new RecordingException(input + ": cannot read: " + e.getMessage());
      }
    }
    progress.start(total);
    long before = 0;
    for (Path input : inputs) {
      recorded.readOne(input, before, progress);
      try {
        before += Files.size(input);
      } catch (IOException e) {
        throw new RecordingException(input + ": cannot read: " + e.getMessage());
      }
    }
    progress.finish(recorded.traces.size());
    return recorded;
  }

  private void readOne(Path input, long before, ReadProgress progress) throws RecordingException {
    try (InputStream in = Files.newInputStream(input);
        JsonParser parser = MAPPER.createParser(in)) {
      while (true) {
        JsonToken token;
        try {
          token = parser.nextToken();
        } catch (JsonProcessingException e) {
          throw problem(input, e.getLocation(), "not valid JSON: " + e.getOriginalMessage());
        }
        if (token == null) {
          return;
        }
        JsonLocation at = parser.currentTokenLocation();
        if (token != JsonToken.START_OBJECT) {
          throw problem(
              input, at, "expected a JSON object (a TracesData or LogsData), found " + token);
        }
        JsonNode object;
        try {
          object = MAPPER.readTree(parser);
        } catch (JsonProcessingException e) {
          throw problem(input, e.getLocation(), "not valid JSON: " + e.getOriginalMessage());
        }
        add(input, at, object);
        progress.advance(before + parser.currentLocation().getByteOffset(), traces.size());
      }
    } catch (IOException e) {
      throw new RecordingException(input + ": cannot read: " + e.getMessage());
    }
  }

  private void add(Path input, JsonLocation at, JsonNode object) throws RecordingException {
    try {
      if (object.has("resourceLogs") || object.has("resource_logs")) {
        LogsData.Builder logs = LogsData.newBuilder();
        OtlpJson.merge(object, logs);
        GroupedLogs grouped = LogGrouper.group(logs.getResourceLogsList());
        for (LogFragment f : grouped.fragments()) {
          traces.computeIfAbsent(f.traceId(), id -> new Recorded()).logs.add(f.logs());
          logRecords += f.recordCount();
        }
      } else {
        TracesData.Builder data = TracesData.newBuilder();
        OtlpJson.merge(object, data);
        GroupedRequest grouped = TraceGrouper.group(data.getResourceSpansList());
        for (TraceFragment f : grouped.fragments()) {
          traces.computeIfAbsent(f.traceId(), id -> new Recorded()).spans.add(f.spans());
        }
        spans += grouped.acceptedSpans();
        rejectedSpans += grouped.rejectedSpans();
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // JsonFormat reports some type mismatches unchecked; still a problem with the input.
      throw problem(input, at, "not OTLP JSON: " + e.getMessage());
    }
  }

  private static RecordingException problem(Path input, JsonLocation at, String message) {
    String line = at == null || at.getLineNr() < 1 ? "" : ":" + at.getLineNr();
    return new RecordingException(input + line + ": " + message);
  }

  /** Trace ids in the order their first span (or log record) was read. */
  public List<TraceId> traceIds() {
    return List.copyOf(traces.keySet());
  }

  /**
   * The whole recorded trace, with its LLM calls read by {@code genAi}, or empty if not recorded.
   */
  public Optional<TraceView> view(TraceId id, GenAiReader genAi) {
    Recorded r = traces.get(id);
    if (r == null) {
      return Optional.empty();
    }
    return Optional.of(TraceView.of(id, r.spans, r.logs).withGenAi(genAi));
  }

  /** Spans read (with valid ids). */
  public int spanCount() {
    return spans;
  }

  /** Spans skipped because their ids are invalid (the receiver would reject them too). */
  public int rejectedSpanCount() {
    return rejectedSpans;
  }

  /** Log records attached to a trace. */
  public int logRecordCount() {
    return logRecords;
  }
}
