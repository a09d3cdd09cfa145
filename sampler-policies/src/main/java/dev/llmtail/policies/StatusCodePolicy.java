package dev.llmtail.policies;

import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code status_code} policy type: keeps a trace when any of its spans has one of the
 * configured status codes ({@code ERROR}, {@code OK}, {@code UNSET}), as the Collector's policy of
 * the same name.
 */
final class StatusCodePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("status_code", Options.class, StatusCodePolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param statusCodes the span status codes that keep a trace: any of ERROR, OK, UNSET
   */
  record Options(List<String> statusCodes) {
    Options {
      if (statusCodes == null || statusCodes.isEmpty()) {
        throw new IllegalArgumentException(
            "status_codes: missing (expected: a list of ERROR, OK, UNSET, e.g. [ERROR])");
      }
      for (String code : statusCodes) {
        parse(code);
      }
      statusCodes = List.copyOf(statusCodes);
    }
  }

  private final Set<StatusCode> wanted = EnumSet.noneOf(StatusCode.class);
  private final String threshold;
  private final CountedVerdicts noneMatched;

  StatusCodePolicy(Options options) {
    options.statusCodes().forEach(c -> wanted.add(parse(c)));
    this.threshold = "one of " + options.statusCodes();
    String statuses = threshold;
    this.noneMatched =
        CountedVerdicts.noOpinion(
            spans ->
                Explanation.of(
                    "no span of " + spans + " has a status " + statuses,
                    Evidence.ofTrace("span statuses", "none matched", statuses)));
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (SpanView span : trace.spans()) {
      if (wanted.contains(span.statusCode())) {
        return Verdict.keep(
            "span " + span + " has status " + name(span.statusCode()),
            Evidence.ofSpan(span, "status.code", name(span.statusCode()), threshold));
      }
    }
    return noneMatched.of(trace.spanCount());
  }

  private static String name(StatusCode code) {
    return code.name().substring("STATUS_CODE_".length());
  }

  private static StatusCode parse(String code) {
    String upper = code == null ? "" : code.trim().toUpperCase(Locale.ROOT);
    return switch (upper) {
      case "ERROR" -> StatusCode.STATUS_CODE_ERROR;
      case "OK" -> StatusCode.STATUS_CODE_OK;
      case "UNSET" -> StatusCode.STATUS_CODE_UNSET;
      default ->
          throw new IllegalArgumentException(
              "status_codes: '" + code + "' (expected: ERROR, OK or UNSET)");
    };
  }
}
