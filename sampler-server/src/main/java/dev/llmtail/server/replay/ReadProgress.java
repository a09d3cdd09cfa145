package dev.llmtail.server.replay;

import java.io.PrintWriter;

/**
 * Shows how far reading a recording has come, on stderr, so a large replay does not look hung.
 *
 * <p>Prints a line each time another tenth of the input has been read, and only when the input is
 * at least {@code minBytes} long: small inputs finish before anyone waits. Line-based rather than a
 * redrawn bar, so it reads the same in a terminal, a CI log and a test.
 */
public final class ReadProgress {

  /** Inputs smaller than this are read without progress lines. */
  public static final long DEFAULT_MIN_BYTES = 8L << 20;

  private final PrintWriter err;
  private final long minBytes;
  private long total;
  private int shownTenths;

  public ReadProgress(PrintWriter err, long minBytes) {
    this.err = err;
    this.minBytes = minBytes;
  }

  /** Progress that prints nothing. */
  public static ReadProgress silent() {
    return new ReadProgress(new PrintWriter(java.io.Writer.nullWriter()), Long.MAX_VALUE);
  }

  void start(long totalBytes) {
    this.total = totalBytes;
    this.shownTenths = 0;
  }

  void advance(long bytesRead, int traces) {
    if (total < minBytes || total == 0) {
      return;
    }
    int tenths = (int) Math.min(10, bytesRead * 10 / total);
    if (tenths > shownTenths && tenths < 10) {
      shownTenths = tenths;
      err.printf(
          "reading: %3d%% [%-10s] %d traces so far%n", tenths * 10, "#".repeat(tenths), traces);
      err.flush();
    }
  }

  void finish(int traces) {
    if (total >= minBytes && total > 0) {
      err.printf("reading: 100%% [##########] %d traces%n", traces);
      err.flush();
    }
  }
}
