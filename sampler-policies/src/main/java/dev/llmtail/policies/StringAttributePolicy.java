package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code string_attribute} policy type (as the Collector's): keeps a trace in which any span,
 * or its resource or scope, has attribute {@code key} with one of {@code values} — exact, or as
 * regular expressions with {@code enabled_regex_matching}. With {@code invert_match} it keeps the
 * traces where no span matches (and has no opinion on the others: it never drops).
 */
public final class StringAttributePolicy implements PolicyProvider<StringAttributePolicy.Options> {

  /**
   * @param key attribute to read
   * @param values accepted values (or regular expressions)
   * @param enabledRegexMatching treat {@code values} as regular expressions; default false
   * @param invertMatch keep traces where no span matches; default false
   */
  public record Options(
      String key, List<String> values, Boolean enabledRegexMatching, Boolean invertMatch) {
    public Options {
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
        for (String v : values) {
          try {
            Pattern.compile(v);
          } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                "values: '"
                    + v
                    + "' is not a regular expression: "
                    + e.getDescription()
                    + " (expected: a Java regex)");
          }
        }
      }
    }
  }

  @Override
  public String type() {
    return "string_attribute";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    List<Pattern> patterns =
        o.enabledRegexMatching() ? o.values().stream().map(Pattern::compile).toList() : List.of();
    Set<String> exact = Set.copyOf(o.values());
    String wanted = (o.enabledRegexMatching() ? "matching one of " : "one of ") + o.values();
    return trace -> {
      for (SpanView span : trace.spans()) {
        Optional<AnyValue> v = AttributeLookup.find(span, o.key());
        if (v.isPresent() && v.get().hasStringValue()) {
          String s = v.get().getStringValue();
          boolean match =
              o.enabledRegexMatching()
                  ? patterns.stream().anyMatch(p -> p.matcher(s).find())
                  : exact.contains(s);
          if (match) {
            Evidence e = Evidence.ofSpan(span, o.key(), s, wanted);
            return o.invertMatch()
                ? Verdict.noOpinion(
                    "span " + span + " has " + o.key() + "=" + s + " (inverted match)", e)
                : Verdict.keep("span " + span + " has " + o.key() + "=" + s, e);
          }
        }
      }
      Evidence none = Evidence.ofTrace(o.key(), "no span matched", wanted);
      return o.invertMatch()
          ? Verdict.keep("no span has " + o.key() + " " + wanted + " (inverted match)", none)
          : Verdict.noOpinion("no span has " + o.key() + " " + wanted, none);
    };
  }
}
