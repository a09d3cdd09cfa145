package dev.llmtail.server;

import dev.llmtail.server.config.LlmtailConfig;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Binds the admin and OTLP listeners of a sidecar, collecting every port that cannot be bound. */
final class Listeners {

  private Listeners() {}

  /**
   * Starts each listener in turn (a null one is turned off in the config); returns the problems of
   * those that could not bind.
   */
  static List<String> start(
      LlmtailConfig config, Runnable admin, @Nullable Runnable grpc, @Nullable Runnable http) {
    List<String> busy = new ArrayList<>();
    listen(
        new ListenFailure.Listener(
            "admin HTTP", "admin.endpoint", "LLMTAIL_ADMIN_ENDPOINT", config.admin().endpoint()),
        admin,
        busy);
    if (grpc != null) {
      listen(
          new ListenFailure.Listener(
              "OTLP/gRPC",
              "receivers.grpc.endpoint",
              "LLMTAIL_GRPC_ENDPOINT",
              config.receivers().grpc().endpoint()),
          grpc,
          busy);
    }
    if (http != null) {
      listen(
          new ListenFailure.Listener(
              "OTLP/HTTP",
              "receivers.http.endpoint",
              "LLMTAIL_HTTP_ENDPOINT",
              config.receivers().http().endpoint()),
          http,
          busy);
    }
    return busy;
  }

  /** Starts one listener; a failure is added to {@code problems} so that the rest still try. */
  private static void listen(
      ListenFailure.Listener listener, Runnable start, List<String> problems) {
    try {
      start.run();
    } catch (Exception e) { // Netty rethrows a checked BindException undeclared
      problems.add(listener.problem(e));
    }
  }
}
