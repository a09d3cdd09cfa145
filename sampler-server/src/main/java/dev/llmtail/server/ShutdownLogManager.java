package dev.llmtail.server;

import java.util.logging.LogManager;

/**
 * Keeps java.util.logging working while llmtail shuts down. The JDK's LogManager resets (closes)
 * every handler from its own shutdown hook, which races with llmtail's: without this, what the
 * shutdown logs — traces decided, spans that could not be sent — would be lost.
 */
public final class ShutdownLogManager extends LogManager {

  /** The JDK's shutdown-hook thread that resets logging (java.util.logging.LogManager.Cleaner). */
  private static final String JDK_CLEANER = "java.util.logging.LogManager$Cleaner";

  private volatile boolean shutdownDone;

  @Override
  public void reset() {
    if (shutdownDone || !Thread.currentThread().getClass().getName().equals(JDK_CLEANER)) {
      super.reset();
    }
  }

  /** Called at the end of llmtail's shutdown: lets the deferred reset happen. */
  static void shutdownFinished() {
    if (LogManager.getLogManager() instanceof ShutdownLogManager manager) {
      manager.shutdownDone = true;
      manager.reset();
    }
  }
}
