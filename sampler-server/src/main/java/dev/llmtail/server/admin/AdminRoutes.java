package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Maps an admin request (method, path, query, authorization) to its answer. Knows nothing of Netty,
 * so every route is tested without a socket as well as through the real server.
 *
 * <p>{@code /metrics}, {@code /healthz} and {@code /readyz} are open (scrapers and probes carry no
 * token). The {@code /debug} page, its script and its style sheet hold no data and are open too, so
 * a browser can load them; every {@code /debug/...} API call the page makes needs the bearer token
 * when one is configured, and is refused without one when the server listens beyond loopback
 * ({@link DebugAccess}). The {@code POST .../keep} routes change data, so they also refuse what a
 * page of another site could have sent ({@link CrossSiteGuard}).
 */
final class AdminRoutes {

  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String JAVASCRIPT = "text/javascript; charset=utf-8";
  static final String CSS = "text/css; charset=utf-8";
  static final String KEEP = "/keep";
  static final String PAGE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";

  private final DebugApi debug;
  private final KeepApi keep;
  private final DebugAccess access;
  private final PrometheusMeterRegistry prometheus;
  private final BooleanSupplier ready;
  private final Supplier<String> storageRefusal;
  private final Supplier<ObjectNode> config;
  private final String page;
  private final String script;
  private final String style;

  AdminRoutes(
      DebugApi debug,
      DebugAccess access,
      PrometheusMeterRegistry prometheus,
      BooleanSupplier ready,
      ObjectNode config) {
    this(debug, access, prometheus, ready, () -> null, () -> config, KeepApi.none());
  }

  /**
   * {@code config} is asked on each {@code /debug/config}: a reload changes what it shows; {@code
   * storageRefusal} says why the span log refuses data (then {@code /readyz} fails), or null;
   * {@code keep} answers the {@code POST .../keep} routes.
   */
  AdminRoutes(
      DebugApi debug,
      DebugAccess access,
      PrometheusMeterRegistry prometheus,
      BooleanSupplier ready,
      Supplier<String> storageRefusal,
      Supplier<ObjectNode> config,
      KeepApi keep) {
    this.storageRefusal = storageRefusal;
    this.keep = keep;
    this.debug = debug;
    this.access = access;
    this.prometheus = prometheus;
    this.ready = ready;
    this.config = config;
    this.page = resource("debug.html");
    this.script = resource("debug.js");
    this.style = resource("debug.css");
  }

  /** A request without other headers than {@code authorization} (for tests). */
  AdminResponse handle(
      String method, String path, Map<String, List<String>> query, String authorization) {
    return handle(method, path, query, authorization, name -> null);
  }

  /**
   * Answers a request; {@code header} looks any other request header up by name (null when absent):
   * the data-changing routes read {@link CrossSiteGuard#HEADER} and {@code Sec-Fetch-Site}.
   */
  AdminResponse handle(
      String method,
      String path,
      Map<String, List<String>> query,
      String authorization,
      UnaryOperator<String> header) {
    if (path.startsWith("/debug/") && path.endsWith(KEEP)) {
      return keep(method, path, authorization, header);
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return DebugApi.error(
              405,
              "method "
                  + method
                  + " (expected: GET; only POST /debug/traces/{id}/keep and POST"
                  + " /debug/conversations/{id}/keep change anything)")
          .withHeader("Allow", "GET, HEAD");
    }
    switch (path) {
      case "/healthz" -> {
        return AdminResponse.of(200, AdminResponse.TEXT, "ok\n");
      }
      case "/readyz" -> {
        String storage = storageRefusal.get();
        if (storage != null) {
          return AdminResponse.of(
              503, AdminResponse.TEXT, "not ready: " + storage + " (requests are refused)\n");
        }
        return ready.getAsBoolean()
            ? AdminResponse.of(200, AdminResponse.TEXT, "ready\n")
            : AdminResponse.of(
                503,
                AdminResponse.TEXT,
                "not ready: the receivers are not listening yet, or llmtail is stopping\n");
      }
      case "/metrics" -> {
        return AdminResponse.of(200, PROMETHEUS_TEXT, prometheus.scrape());
      }
      case "/debug", "/debug/" -> {
        // Everything the page loads comes from this server: it works offline, and a script or
        // style from anywhere else is refused by the browser.
        return AdminResponse.of(200, AdminResponse.HTML, page)
            .withHeader("Content-Security-Policy", PAGE_POLICY);
      }
      case "/debug/debug.js" -> {
        return AdminResponse.of(200, JAVASCRIPT, script);
      }
      case "/debug/debug.css" -> {
        return AdminResponse.of(200, CSS, style);
      }
      default -> {}
    }
    if (!path.startsWith("/debug/")) {
      return DebugApi.error(
          404, "no such page: " + path + " (try /debug, /metrics, /healthz or /readyz)");
    }
    Optional<AdminResponse> refused = access.refusal(authorization);
    if (refused.isPresent()) {
      return refused.get();
    }
    String rest = path.substring("/debug/".length());
    if (rest.startsWith("traces/") && rest.length() > "traces/".length()) {
      return debug.trace(decode(rest.substring("traces/".length())));
    }
    if (rest.startsWith("conversations/") && rest.length() > "conversations/".length()) {
      return debug.conversation(decode(rest.substring("conversations/".length())));
    }
    return switch (rest) {
      case "decisions" -> debug.decisions(query);
      case "keep-rates" -> debug.keepRates();
      case "config" -> DebugApi.json(200, config.get());
      default ->
          DebugApi.error(
              404,
              "no such page: "
                  + path
                  + " (expected: /debug/traces/{trace id}, /debug/conversations/{id}, /debug/decisions, /debug/keep-rates or /debug/config)");
    };
  }

  /**
   * The data-changing routes: POST only, never from a page of another site ({@link
   * CrossSiteGuard}), and behind the same access rule as every {@code /debug} answer — the bearer
   * token whenever one is set, refused beyond loopback without one.
   */
  private AdminResponse keep(
      String method, String path, String authorization, UnaryOperator<String> header) {
    String rest = path.substring("/debug/".length(), path.length() - KEEP.length());
    boolean trace = rest.startsWith("traces/") && rest.length() > "traces/".length();
    boolean conversation =
        rest.startsWith("conversations/") && rest.length() > "conversations/".length();
    if (!trace && !conversation) {
      return DebugApi.error(
          404,
          "no such page: "
              + path
              + " (expected: /debug/traces/{trace id}/keep or /debug/conversations/{id}/keep)");
    }
    if (!method.equals("POST")) {
      return DebugApi.error(405, "method " + method + " on " + path + " (expected: POST)")
          .withHeader("Allow", "POST");
    }
    Optional<AdminResponse> forged = CrossSiteGuard.refusal(method, path, header);
    if (forged.isPresent()) {
      return forged.get();
    }
    Optional<AdminResponse> refused = access.refusal(authorization);
    if (refused.isPresent()) {
      return refused.get();
    }
    return trace
        ? keep.trace(decode(rest.substring("traces/".length())))
        : keep.conversation(decode(rest.substring("conversations/".length())));
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String resource(String name) {
    try (InputStream in = AdminRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing resource " + name + " next to " + AdminRoutes.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
