package dev.llmtail.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.status.TraceStatus;
import dev.llmtail.server.auth.BearerToken;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Routing decisions that need no socket: readiness, methods, unknown pages, content hiding. */
class AdminRoutesTest {

  private final DecisionLog log =
      new DecisionLog(10, Duration.ofHours(1), false, Clock.systemUTC());
  private final AtomicBoolean ready = new AtomicBoolean();
  private RememberedDecision remembered;

  private AdminRoutes routes(boolean showContent) {
    return routes(showContent, DebugAccess.open());
  }

  private AdminRoutes routes(boolean showContent, DebugAccess access) {
    return new AdminRoutes(
        new DebugApi(
            log, this::status, Map.of(), Clock.systemUTC(), showContent, () -> List.of("errors")),
        access,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        ready::get,
        DebugApi.JSON.createObjectNode());
  }

  /** What the log holds, else the remembered decision, else never seen: no buffer here. */
  private TraceStatus status(TraceId id) {
    Instant horizon = log.horizon();
    return log.find(id)
        .<TraceStatus>map(TraceStatus.Decided::new)
        .orElseGet(
            () ->
                remembered == null
                    ? new TraceStatus.NeverSeen(id, horizon)
                    : new TraceStatus.RememberedOnly(id, remembered, horizon));
  }

  private static String body(AdminResponse r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void notReadyUntilTheReceiversListen() {
    AdminRoutes routes = routes(false);
    assertThat(routes.handle("GET", "/readyz", Map.of(), null).status()).isEqualTo(503);
    ready.set(true);
    assertThat(routes.handle("GET", "/readyz", Map.of(), null).status()).isEqualTo(200);
  }

  @Test
  void beyondLoopbackWithoutATokenDebugDataIsRefusedAndProbesStayOpen() {
    ready.set(true);
    AdminRoutes routes = routes(false, new DebugAccess(new BearerToken(""), false));
    for (String path : List.of("/debug/decisions", "/debug/config", "/debug/traces/abc")) {
      AdminResponse refused = routes.handle("GET", path, Map.of(), null);
      assertThat(refused.status()).as(path).isEqualTo(403);
      assertThat(body(refused)).contains("set admin.bearer_token, or listen on localhost");
    }
    for (String path : List.of("/healthz", "/readyz", "/metrics", "/debug")) {
      assertThat(routes.handle("GET", path, Map.of(), null).status()).as(path).isEqualTo(200);
    }
  }

  @Test
  void beyondLoopbackWithATokenDebugDataNeedsIt() {
    String token = "0123456789abcdef0123";
    AdminRoutes routes = routes(false, new DebugAccess(new BearerToken(token), false));
    AdminResponse missing = routes.handle("GET", "/debug/decisions", Map.of(), null);
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"llmtail\"");
    AdminResponse wrong =
        routes.handle("GET", "/debug/decisions", Map.of(), "Bearer wrong-token-wrong-token");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(body(wrong)).contains("wrong bearer token").doesNotContain("wrong-token");
    assertThat(routes.handle("GET", "/debug/decisions", Map.of(), "Bearer " + token).status())
        .isEqualTo(200);
    assertThat(routes.handle("GET", "/healthz", Map.of(), null).status()).isEqualTo(200);
  }

  @Test
  void onlyGetIsAllowedAndUnknownPagesSayWhatExists() {
    AdminRoutes routes = routes(false);
    AdminResponse post = routes.handle("POST", "/debug/decisions", Map.of(), null);
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.headers()).containsEntry("Allow", "GET, HEAD");
    AdminResponse missing = routes.handle("GET", "/debug/nothing", Map.of(), null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(body(missing)).contains("/debug/traces/{trace id}");
  }

  /**
   * The headers of a {@code POST} carrying {@code X-Llmtail-Request}, as the {@code /debug} page
   * and the documented curl send it, with this {@code Sec-Fetch-Site} (null: none, as from curl).
   */
  private static UnaryOperator<String> marked(String site) {
    return name ->
        switch (name) {
          case "X-Llmtail-Request" -> "keep";
          case "Sec-Fetch-Site" -> site;
          default -> null;
        };
  }

  private static AdminResponse post(AdminRoutes routes, String path, String authorization) {
    return routes.handle("POST", path, Map.of(), authorization, marked(null));
  }

  @Test
  void keepingATraceIsAPostBehindTheSameTokenRuleAsDebugData() {
    String keep = "/debug/traces/" + "ab".repeat(16) + "/keep";
    AdminRoutes open = routes(false);
    AdminResponse get = open.handle("GET", keep, Map.of(), null);
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.headers()).containsEntry("Allow", "POST");
    AdminResponse unknown = post(open, keep, null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(post(open, "/debug/traces/not-hex/keep", null).status()).isEqualTo(400);
    assertThat(post(open, "/debug/conversations/c-1/keep", null).status()).isEqualTo(404);

    AdminRoutes noToken = routes(false, new DebugAccess(new BearerToken(""), false));
    assertThat(post(noToken, keep, null).status())
        .as("beyond loopback without a token nothing changes")
        .isEqualTo(403);
    AdminRoutes withToken = routes(false, new DebugAccess(new BearerToken("s3cret-token"), true));
    assertThat(post(withToken, keep, null).status())
        .as("a token set is required even on loopback")
        .isEqualTo(401);
    assertThat(post(withToken, keep, "Bearer s3cret-token").status()).isEqualTo(404);
  }

  @Test
  void keepingRefusesWhatAPageOfAnotherSiteCouldHaveSent() {
    String keep = "/debug/conversations/support-ticket-1234/keep";
    AdminRoutes open = routes(false);

    // An HTML form posts with no header of its own: refused, saying what to add.
    AdminResponse form =
        open.handle(
            "POST", keep, Map.of(), null, name -> name.equals("Host") ? "127.0.0.1:5319" : null);
    assertThat(form.status()).isEqualTo(403);
    assertThat(body(form))
        .contains("refused without the X-Llmtail-Request header")
        .contains("cross-site request forgery")
        .contains(
            "curl -s -X POST -H 'X-Llmtail-Request: keep' 127.0.0.1:5319/debug/conversations/"
                + "support-ticket-1234/keep");

    // What a browser marks as sent by another site is refused even with the header.
    for (String site : List.of("cross-site", "same-site")) {
      AdminResponse crossSite = open.handle("POST", keep, Map.of(), null, marked(site));
      assertThat(crossSite.status()).isEqualTo(403);
      assertThat(body(crossSite)).contains("Sec-Fetch-Site: " + site);
    }

    // The page itself (same origin) and curl (no Sec-Fetch-Site) are let through to the keep.
    for (String site : new String[] {"same-origin", null}) {
      AdminResponse own = open.handle("POST", keep, Map.of(), null, marked(site));
      assertThat(own.status()).as("Sec-Fetch-Site %s", site).isEqualTo(404);
      assertThat(body(own)).contains("conversation support-ticket-1234");
    }

    // A script of another origin must ask first (CORS preflight): never granted.
    AdminResponse preflight = open.handle("OPTIONS", keep, Map.of(), null);
    assertThat(preflight.status()).isEqualTo(405);
    assertThat(preflight.headers().keySet()).noneMatch(h -> h.startsWith("Access-Control-"));
  }

  @Test
  void thePageItsScriptAndStyleAreOpenButKeepRatesNeedTheToken() {
    AdminRoutes routes = routes(false, new DebugAccess(new BearerToken("s3cret-token"), false));
    AdminResponse page = routes.handle("GET", "/debug", Map.of(), null);
    assertThat(page.status()).isEqualTo(200);
    // Nothing the page loads may come from another origin: no CDN, works offline.
    assertThat(page.headers().get("Content-Security-Policy"))
        .startsWith("default-src 'none'; script-src 'self'; style-src 'self'");
    assertThat(body(page))
        .contains("<script src=\"/debug/debug.js\"")
        .doesNotContain("http://")
        .doesNotContain("https://");
    AdminResponse script = routes.handle("GET", "/debug/debug.js", Map.of(), null);
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.contentType()).startsWith("text/javascript");
    assertThat(body(script)).doesNotContain("innerHTML").doesNotContain("http://");
    AdminResponse style = routes.handle("GET", "/debug/debug.css", Map.of(), null);
    assertThat(style.contentType()).startsWith("text/css");
    assertThat(routes.handle("GET", "/debug/keep-rates", Map.of(), null).status()).isEqualTo(401);
    assertThat(routes.handle("GET", "/debug/keep-rates", Map.of(), "Bearer s3cret-token").status())
        .isEqualTo(200);
  }

  @Test
  void evidenceThatCarriesMessageContentIsHiddenUnlessEnabled() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    TraceView view = t.view();
    Verdict v =
        Verdict.keep(
            "output matched a risky pattern",
            new Evidence(
                "00f067aa0ba902b7",
                "gen_ai.output.messages",
                "rm -rf / is safe to run",
                "pattern rm -rf"));
    log.onDecided(
        new Decision(
            view.traceId(),
            true,
            "kept by risky",
            1,
            DecisionTrigger.COMPLETE,
            java.time.Instant.now(),
            List.of(new PolicyVerdict("risky", "semantic_flag", v))),
        view);

    String hidden =
        body(routes(false).handle("GET", "/debug/traces/" + t.traceIdHex(), Map.of(), null));
    String shown =
        body(routes(true).handle("GET", "/debug/traces/" + t.traceIdHex(), Map.of(), null));

    assertThat(hidden).doesNotContain("rm -rf / is safe").contains("message content hidden");
    assertThat(shown).contains("rm -rf / is safe to run");
  }

  @Test
  void traceTheBufferDecidedButTheLogHasNotRecordedIsReportedAsDecided() {
    remembered = new RememberedDecision(false, "no policy matched", 0);
    String answer =
        body(
            routes(false)
                .handle("GET", "/debug/traces/4bf92f3577b34da6a3ce929d0e0e4736", Map.of(), null));
    assertThat(answer)
        .contains("\"state\" : \"decided\"")
        .contains("Dropped: no policy matched. The full record");
  }
}
