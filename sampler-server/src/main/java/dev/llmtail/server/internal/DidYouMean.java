package dev.llmtail.server.internal;

import java.util.Collection;
import java.util.Locale;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * "did you mean …" for a name that is not one of the known names: the closest known name by edit
 * distance, if it is close enough to be a typo (at most a third of its length, and at most 3
 * edits).
 */
public final class DidYouMean {

  private static final LevenshteinDistance DISTANCE = new LevenshteinDistance(3);

  private DidYouMean() {}

  /** {@code "; did you mean X?"}, or the empty string when no known name is close. */
  public static String suffix(String given, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String typed = given.toLowerCase(Locale.ROOT);
    for (String candidate : known) {
      int d = DISTANCE.apply(typed, candidate.toLowerCase(Locale.ROOT));
      if (d >= 0 && d < bestDistance && d <= Math.max(1, candidate.length() / 3)) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean " + best + "?";
  }
}
