package dev.llmtail.policies;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmtail.core.ModelFamilies;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Model names compared as people mean them: case-insensitive, without a provider prefix ({@code
 * openai/gpt-4o}), and without a version or date suffix ({@code gpt-4o-2024-08-06}, {@code
 * claude-3-5-sonnet-20241022}, {@code gpt-4-0613}, {@code gemini-1.5-pro-002}, {@code -latest}).
 */
final class ModelNames {

  private static final Pattern SUFFIX =
      Pattern.compile(
          "(?:[-@](?:\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4}|\\d{3}|latest|v\\d+(?::\\d+)?))+$");

  /** Anthropic's moving aliases: {@code claude-sonnet-4-0} is {@code claude-sonnet-4}. */
  private static final Pattern ALIAS_ZERO = Pattern.compile("(?<=-\\d)-0$");

  private ModelNames() {}

  /** Whether {@code model} names a published model family (or {@code auto}), not a deployment. */
  static boolean known(String model) {
    String base = base(model);
    return base.equals("auto") || ModelFamilies.known(base);
  }

  /**
   * Names already reduced: several policies ask for the base of every call's model, and a trace's
   * models are few (two regular expressions per ask showed in allocation profiles). Bounded, since
   * model names come from the traffic.
   */
  private static final Cache<String, String> BASES =
      Caffeine.newBuilder().maximumSize(4096).build();

  static String base(String model) {
    return BASES.get(model, ModelNames::reduce);
  }

  private static String reduce(String model) {
    String m = model.trim().toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    if (slash >= 0) {
      m = m.substring(slash + 1);
    }
    return ALIAS_ZERO.matcher(SUFFIX.matcher(m).replaceFirst("")).replaceFirst("");
  }
}
