package dev.llmtail.core;

import java.util.Objects;
import java.util.function.IntFunction;

/**
 * A policy's "no match" verdicts that differ only by a count ({@code "no refusal in 3 LLM calls"}),
 * made once when the policy is built and shared by every trace with that count.
 *
 * <p>Every policy answers for every trace and most answer "no match", so this is the answer to keep
 * free: a shared verdict costs no allocation per trace, neither the verdict nor the engine's {@link
 * PolicyVerdict} for it, and its words are formatted once, the first time anyone reads them ({@code
 * /debug}, the decision log's JSON). The words may depend on the count and on the policy's settings
 * only, never on the trace: the same verdict answers for many traces. Counts from 0 below {@link
 * #SHARED} share a verdict; a larger count gets a verdict of its own, with the same words.
 * Thread-safe and immutable.
 */
public final class CountedVerdicts {

  /** Counts below this share a verdict: the LLM calls or spans of almost every trace. */
  static final int SHARED = 32;

  private final IntFunction<Explanation> words;
  private final Verdict[] shared = new Verdict[SHARED];

  private CountedVerdicts(IntFunction<Explanation> words) {
    this.words = Objects.requireNonNull(words, "words");
    for (int i = 0; i < SHARED; i++) {
      shared[i] = answer(i);
    }
  }

  /** No-opinion verdicts put into words by {@code words} from their count. */
  public static CountedVerdicts noOpinion(IntFunction<Explanation> words) {
    return new CountedVerdicts(words);
  }

  /** The verdict for {@code count}: shared for a small count, its own otherwise. */
  public Verdict of(int count) {
    return count >= 0 && count < SHARED ? shared[count] : answer(count);
  }

  private Verdict answer(int count) {
    return Verdict.noOpinion(() -> words.apply(count));
  }
}
