package dev.llmtail.server.storage;

import org.jspecify.annotations.Nullable;

/**
 * The span log cannot take more now (disk full, or {@code storage.max_size} reached); retryable.
 */
public final class SpanLogFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SpanLogFullException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
