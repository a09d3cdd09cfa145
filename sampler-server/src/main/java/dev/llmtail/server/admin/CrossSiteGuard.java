package dev.llmtail.server.admin;

import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Refuses a data-changing admin request that a web page of another site may have sent (cross-site
 * request forgery): it must carry the {@value #HEADER} header, and must not be marked cross-site by
 * the browser.
 *
 * <p>On loopback without a token anything that reaches the port may {@code POST}, and that includes
 * a page open in a browser on the same machine: an HTML form on any site can post to {@code
 * http://localhost:5319/...} and the browser sends it without asking. A form cannot set a header of
 * its own, and a script of another origin can only after a CORS preflight ({@code OPTIONS}), which
 * the admin server never grants; so the custom header is what separates the {@code /debug} page and
 * curl from a forged request. {@code Sec-Fetch-Site}, which current browsers add, refuses a request
 * a browser says came from another site even if that ever changes, with a reason that names it.
 * Other clients (curl, scripts) send no {@code Sec-Fetch-Site} and are not affected.
 */
final class CrossSiteGuard {

  /** The header the {@code /debug} page sends with every {@code POST}; any value will do. */
  static final String HEADER = "X-Llmtail-Request";

  private CrossSiteGuard() {}

  /**
   * The answer refusing {@code method path}, if refused; {@code header} looks a request header up
   * by name and returns null when it is absent.
   */
  static Optional<AdminResponse> refusal(String method, String path, UnaryOperator<String> header) {
    String site = header.apply("Sec-Fetch-Site");
    if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
      return Optional.of(
          refused(
              method,
              path,
              header,
              "refused, the browser says a page of another site sent it (Sec-Fetch-Site: "
                  + site.toLowerCase(Locale.ROOT)
                  + "); this guards against cross-site request forgery. Keep traces from"
                  + " llmtail's own /debug page, or send the request yourself: "));
    }
    String marked = header.apply(HEADER);
    if (marked == null || marked.isBlank()) {
      return Optional.of(
          refused(
              method,
              path,
              header,
              "refused without the "
                  + HEADER
                  + " header, which an HTML form of another site cannot send (this guards against"
                  + " cross-site request forgery). Add it, with any value: "));
    }
    return Optional.empty();
  }

  /** A 403 saying why, then the curl line that would be let through (to the host asked for). */
  private static AdminResponse refused(
      String method, String path, UnaryOperator<String> header, String why) {
    String host = header.apply("Host");
    return DebugApi.error(
        403,
        method
            + " "
            + path
            + ": "
            + why
            + "curl -s -X POST -H '"
            + HEADER
            + ": keep' "
            + (host == null || host.isBlank() ? "localhost:5319" : host)
            + path);
  }
}
