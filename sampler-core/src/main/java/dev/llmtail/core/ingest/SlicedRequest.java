package dev.llmtail.core.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.llmtail.core.TraceId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A traces request read by {@link TraceSlicer}: where each resource, scope and accepted span lies
 * in the request's bytes, and the spans rejected for invalid ids. {@link #spanCount()} answers
 * without building anything (a refused request is counted so); {@link #group()} splits it by trace
 * id.
 *
 * <p>Design. A fragment is the encoded {@code ResourceSpans} the old message-building grouper
 * produced, written from the request's own bytes: the resource's occurrences (an empty one if there
 * was none, as {@code setResource} always wrote one), then for each scope holding spans of the
 * trace a {@code ScopeSpans} of the scope's occurrences, the spans' bytes as they arrived and the
 * last non-empty schema url, then the resource's schema url. Only the tags and length prefixes are
 * new (written with {@link CodedOutputStream}); parsed, a fragment equals what the old grouper
 * built, and for canonically encoded input its bytes do too. Not thread-safe; used by one request's
 * thread.
 */
public final class SlicedRequest {

  /** How many rejection reasons are spelled out in the partial-success message. */
  private static final int MAX_REASONS = 3;

  private static final int RESOURCE_OR_SCOPE = 1;
  private static final int SCOPE_SPANS_OR_SPANS = 2;
  private static final int SCHEMA_URL = 3;

  private final byte[] bytes;
  private final List<Container> resources = new ArrayList<>(1);
  private int[] resourceEnds = new int[1];
  private final List<Container> scopes = new ArrayList<>(1);
  private int accepted;
  private int[] spanStarts = new int[8];
  private int[] spanLengths = new int[8];
  private int[] spanScopes = new int[8];
  private boolean[] endsRoot = new boolean[8];
  private int[] traceStarts = new int[8]; // where each span's 16-byte trace id lies in 'bytes'
  private int rejected;
  private final List<String> reasons = new ArrayList<>(0);

  SlicedRequest(byte[] bytes) {
    this.bytes = bytes;
  }

  byte[] bytes() {
    return bytes;
  }

  /** Every span of the request: accepted and rejected. */
  public int spanCount() {
    return accepted + rejected;
  }

  /**
   * The accepted spans as one fragment per trace id and resource, in the order of each trace's
   * first span within its resource, with the rejected spans' count and reasons.
   */
  public GroupedRequest group() {
    List<TraceFragment> fragments = new ArrayList<>();
    int first = 0;
    for (int r = 0; r < resources.size(); r++) {
      int end = resourceEnds[r];
      if (end > first) {
        TraceGroups byTrace = TraceGroups.of(bytes, traceStarts, first, end);
        for (int g = 0; g < byTrace.count(); g++) {
          fragments.add(
              fragment(resources.get(r), byTrace.spans(), byTrace.start(g), byTrace.start(g + 1)));
        }
      }
      first = end;
    }
    String message =
        rejected == 0
            ? ""
            : "rejected %d of %d spans: %s%s"
                .formatted(
                    rejected,
                    rejected + accepted,
                    String.join("; ", reasons),
                    rejected > reasons.size() ? "; …" : "");
    return new GroupedRequest(List.copyOf(fragments), accepted, rejected, message);
  }

  /** The fragment of the spans at {@code members[from .. to - 1]} (ascending), all of one trace. */
  private TraceFragment fragment(Container resource, int[] members, int from, int to) {
    // Pass 1: the length of each ScopeSpans (one per run of spans under the same scope).
    int[] scopeLengths = new int[to - from];
    int runs = 0;
    int size = resource.headSize() + resource.tailSize();
    boolean root = false;
    for (int k = from; k < to; ) {
      int scope = spanScopes[members[k]];
      Container sc = scopes.get(scope);
      int length = sc.headSize() + sc.tailSize();
      for (; k < to && spanScopes[members[k]] == scope; k++) {
        length += field(SCOPE_SPANS_OR_SPANS, spanLengths[members[k]]);
        root |= endsRoot[members[k]];
      }
      scopeLengths[runs++] = length;
      size += field(SCOPE_SPANS_OR_SPANS, length);
    }
    // Pass 2: write them.
    byte[] out = new byte[size];
    CodedOutputStream w = CodedOutputStream.newInstance(out);
    try {
      resource.writeHead(w, bytes);
      runs = 0;
      for (int k = from; k < to; ) {
        int scope = spanScopes[members[k]];
        Container sc = scopes.get(scope);
        w.writeTag(SCOPE_SPANS_OR_SPANS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        w.writeUInt32NoTag(scopeLengths[runs++]);
        sc.writeHead(w, bytes);
        for (; k < to && spanScopes[members[k]] == scope; k++) {
          int span = members[k];
          write(w, SCOPE_SPANS_OR_SPANS, bytes, spanStarts[span], spanLengths[span]);
        }
        sc.writeTail(w, bytes);
      }
      resource.writeTail(w, bytes);
      w.checkNoSpaceLeft();
    } catch (IOException e) {
      // Only possible if the sizes above are wrong: a bug, not the client's input.
      throw new IllegalStateException("fragment encoding overran its computed size", e);
    }
    int id = traceStarts[members[from]];
    TraceId traceId = new TraceId(TraceGroups.high(bytes, id), TraceGroups.low(bytes, id));
    return new TraceFragment(traceId, out, to - from, root);
  }

  /** The encoded size of a length-delimited field {@code number} holding {@code length} bytes. */
  private static int field(int number, int length) {
    return CodedOutputStream.computeTagSize(number)
        + CodedOutputStream.computeUInt32SizeNoTag(length)
        + length;
  }

  private static void write(CodedOutputStream w, int number, byte[] buf, int start, int length)
      throws IOException {
    w.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    w.writeUInt32NoTag(length);
    w.writeRawBytes(buf, start, length);
  }

  // Called by TraceSlicer while it walks.

  Container openResource() {
    Container c = new Container();
    resources.add(c);
    return c;
  }

  int resourceCount() {
    return resources.size();
  }

  void closeResource() {
    if (resourceEnds.length < resources.size()) {
      resourceEnds = Arrays.copyOf(resourceEnds, resources.size() * 2);
    }
    resourceEnds[resources.size() - 1] = accepted;
  }

  Container openScope() {
    Container c = new Container();
    scopes.add(c);
    return c;
  }

  /** Notes an accepted span whose valid 16-byte trace id starts at {@code traceStart}. */
  void accept(int start, int length, int traceStart, boolean root) {
    if (accepted == spanStarts.length) {
      int grown = accepted * 2;
      spanStarts = Arrays.copyOf(spanStarts, grown);
      spanLengths = Arrays.copyOf(spanLengths, grown);
      spanScopes = Arrays.copyOf(spanScopes, grown);
      endsRoot = Arrays.copyOf(endsRoot, grown);
      traceStarts = Arrays.copyOf(traceStarts, grown);
    }
    spanStarts[accepted] = start;
    spanLengths[accepted] = length;
    spanScopes[accepted] = scopes.size() - 1;
    endsRoot[accepted] = root;
    traceStarts[accepted] = traceStart;
    accepted++;
  }

  /** Counts a rejected span; true if its reason is still to be spelled out ({@link #explain}). */
  boolean reject() {
    rejected++;
    return reasons.size() < MAX_REASONS;
  }

  void explain(String reason) {
    reasons.add(reason);
  }

  /**
   * A {@code ResourceSpans} or {@code ScopeSpans} as a fragment repeats it: the occurrences of its
   * field 1 (the resource or scope; more than one merge when parsed) and its last schema url.
   */
  static final class Container {
    private int[] parts = new int[2];
    private int partCount;
    private int schemaStart;
    private int schemaLength;

    void addPart(int start, int length) {
      if (2 * partCount == parts.length) {
        parts = Arrays.copyOf(parts, parts.length * 2);
      }
      parts[2 * partCount] = start;
      parts[2 * partCount + 1] = length;
      partCount++;
    }

    /** Reads a schema url (a proto3 string: UTF-8); the last one wins, as in parsing. */
    void schemaUrl(CodedInputStream in, byte[] buf) throws IOException {
      int length = in.readRawVarint32();
      int start = in.getTotalBytesRead();
      in.skipRawBytes(length);
      WireCheck.requireUtf8(buf, start, length);
      schemaStart = start;
      schemaLength = length;
    }

    int headSize() {
      if (partCount == 0) {
        return field(RESOURCE_OR_SCOPE, 0);
      }
      int size = 0;
      for (int p = 0; p < partCount; p++) {
        size += field(RESOURCE_OR_SCOPE, parts[2 * p + 1]);
      }
      return size;
    }

    int tailSize() {
      return schemaLength == 0 ? 0 : field(SCHEMA_URL, schemaLength);
    }

    void writeHead(CodedOutputStream w, byte[] buf) throws IOException {
      if (partCount == 0) {
        write(w, RESOURCE_OR_SCOPE, buf, 0, 0);
      }
      for (int p = 0; p < partCount; p++) {
        write(w, RESOURCE_OR_SCOPE, buf, parts[2 * p], parts[2 * p + 1]);
      }
    }

    void writeTail(CodedOutputStream w, byte[] buf) throws IOException {
      if (schemaLength > 0) {
        write(w, SCHEMA_URL, buf, schemaStart, schemaLength);
      }
    }
  }
}
