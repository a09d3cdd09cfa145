package dev.llmtail.server.storage;

/**
 * The span log cannot take more now (disk full, or {@code storage.max_size} reached); retryable.
 */
public final class SpanLogFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SpanLogFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
