package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code string_attribute} policy type (as the Collector's): keeps a trace in which any span,
 * or its resource or scope, has attribute {@code key} with one of {@code values} — exact, or as
 * regular expressions with {@code enabled_regex_matching}. With {@code invert_match} it keeps the
 * traces where no span matches (and has no opinion on the others: it never drops).
 */
final class StringAttributePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("string_attribute", Options.class, StringAttributePolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param key attribute to read
   * @param values accepted values (or regular expressions)
   * @param enabledRegexMatching treat {@code values} as regular expressions; default false
   * @param invertMatch keep traces where no span matches; default false
   */
  record Options(
      String key, List<String> values, Boolean enabledRegexMatching, Boolean invertMatch) {
    Options {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            "key: missing (expected: the attribute to match, e.g. http.route)");
      }
      if (values == null || values.isEmpty()) {
        throw new IllegalArgumentException(
            "values: missing (expected: a list of values, e.g. [/checkout])");
      }
      values = List.copyOf(values);
      enabledRegexMatching = Boolean.TRUE.equals(enabledRegexMatching);
      invertMatch = Boolean.TRUE.equals(invertMatch);
      if (enabledRegexMatching) {
        Patterns.compileAll("values", values, "");
      }
    }
  }

  private final Options o;
  private final List<Pattern> patterns;
  private final Set<String> exact;
  private final String wanted;

  StringAttributePolicy(Options options) {
    this.o = options;
    this.patterns =
        o.enabledRegexMatching() ? Patterns.compileAll("values", o.values(), "") : List.of();
    this.exact = Set.copyOf(o.values());
    this.wanted = (o.enabledRegexMatching() ? "matching one of " : "one of ") + o.values();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (SpanView span : trace.spans()) {
      Optional<AnyValue> v = AttributeLookup.find(span, o.key());
      if (v.isPresent() && v.get().hasStringValue()) {
        String s = v.get().getStringValue();
        boolean match =
            o.enabledRegexMatching()
                ? patterns.stream().anyMatch(p -> p.matcher(s).find())
                : exact.contains(s);
        if (match) {
          return InvertibleMatch.matched(
              o.invertMatch(),
              "span " + span + " has " + o.key() + "=" + s,
              "",
              Evidence.ofSpan(span, o.key(), s, wanted));
        }
      }
    }
    return InvertibleMatch.unmatched(
        o.invertMatch(),
        "no span has " + o.key() + " " + wanted,
        Evidence.ofTrace(o.key(), "no span matched", wanted));
  }
}
