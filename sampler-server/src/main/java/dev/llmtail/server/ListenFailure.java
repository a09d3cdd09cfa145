package dev.llmtail.server;

import java.net.BindException;
import java.util.List;

/**
 * Ports that could not be opened at start, one line each, all at once: a person who runs two
 * llmtails (or a Collector on the same ports) learns every address to change from one attempt.
 */
final class ListenFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** One listener: what it serves, its config key and the variable the shipped config reads. */
  record Listener(String serves, String key, String variable, String address) {

    /** The line for this listener failing with {@code cause}. */
    String problem(Throwable cause) {
      String port = address.substring(address.lastIndexOf(':') + 1);
      if (isInUse(cause)) {
        return "port "
            + port
            + " ("
            + serves
            + " on "
            + address
            + ") is in use by another process: set "
            + key
            + " (or "
            + variable
            + " with the shipped config) to a free host:port, e.g. 127.0.0.1:0 for any";
      }
      return "cannot listen on "
          + address
          + " ("
          + serves
          + ", "
          + key
          + " / "
          + variable
          + "): "
          + rootMessage(cause);
    }
  }

  ListenFailure(List<String> problems) {
    super(String.join("\n", problems), null, false, false);
  }

  private static boolean isInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }
}
