package dev.llmtail.server.storage;

import org.jspecify.annotations.Nullable;

/**
 * The span log cannot be opened: another process holds its directory, it was written by an
 * incompatible version, or the directory is not usable. The message names the directory and the
 * fix.
 */
public final class SpanLogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SpanLogException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
