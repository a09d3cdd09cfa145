package dev.llmtail.core;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One policy's answer for one trace: the vote, a sentence a person can read, the evidence behind
 * it, and the probability with which this policy keeps traces like this one ({@code 1.0} for a rule
 * that always keeps what it matches, {@code p} for a sampler keeping a fraction {@code p}).
 *
 * <p>Immutable and compared by value, like a record. The reason and evidence may be put into words
 * lazily: every policy answers for every trace, but the words are read only for the traces someone
 * asks about ({@code /debug}, the decision log's JSON) and the kept ones, so a policy can hand over
 * an {@link Explanation} supplier instead. The supplier runs at most a few times (once per thread
 * that reads first) and must give the same words each time; it is held until then, as long as the
 * decision is (the decision log keeps thousands), so it captures the values it formats — numbers,
 * names, ids — never an {@link LlmCall} or the {@link TraceView}, whose captured prompts and
 * outputs would stay on the heap with it. A policy's common "no match" answers can be one shared
 * verdict each ({@link CountedVerdicts}): nothing is then allocated for them per trace.
 */
public final class Verdict {

  private final Vote vote;
  private final double keepProbability;
  // A Supplier<Explanation> until the words are first read, then the Explanation: one field for
  // both, so that with `named` a verdict stays at 32 bytes.
  private volatile Object words;
  // The policy verdict this verdict was last recorded as. A shared verdict (CountedVerdicts, a
  // policy's constant "no match") is recorded under the same policy trace after trace, so the
  // engine allocates nothing for it. Racy on purpose: a PolicyVerdict is immutable (final fields,
  // safely published without a lock) and a lost write only costs the next caller an allocation.
  private @Nullable PolicyVerdict named;

  public Verdict(Vote vote, String reason, List<Evidence> evidence, double keepProbability) {
    this(vote, keepProbability, (Object) new Explanation(reason, evidence));
  }

  private Verdict(Vote vote, double keepProbability, Object words) {
    this.vote = Objects.requireNonNull(vote, "vote");
    this.words = Objects.requireNonNull(words, "words");
    if (!(keepProbability > 0 && keepProbability <= 1)) {
      throw new IllegalArgumentException(
          "keepProbability: " + keepProbability + " (expected: 0 < p <= 1)");
    }
    this.keepProbability = keepProbability;
  }

  /** A verdict whose reason and evidence are put into words when first read. */
  public static Verdict of(Vote vote, double keepProbability, Supplier<Explanation> words) {
    return new Verdict(vote, keepProbability, words);
  }

  public static Verdict keep(String reason, Evidence... evidence) {
    return new Verdict(Vote.KEEP, reason, List.of(evidence), 1.0);
  }

  /** A keep whose words are built when read. */
  public static Verdict keep(Supplier<Explanation> words) {
    return new Verdict(Vote.KEEP, 1.0, words);
  }

  /** A keep by a sampler that keeps a fraction {@code probability} of such traces. */
  public static Verdict keepSampled(double probability, String reason, Evidence... evidence) {
    return new Verdict(Vote.KEEP, reason, List.of(evidence), probability);
  }

  /** A sampler's keep whose words are built when read. */
  public static Verdict keepSampled(double probability, Supplier<Explanation> words) {
    return new Verdict(Vote.KEEP, probability, words);
  }

  public static Verdict drop(String reason, Evidence... evidence) {
    return new Verdict(Vote.DROP, reason, List.of(evidence), 1.0);
  }

  public static Verdict noOpinion(String reason, Evidence... evidence) {
    return new Verdict(Vote.NO_OPINION, reason, List.of(evidence), 1.0);
  }

  /** No opinion, with words built when read: the common answer, so the one to keep cheap. */
  public static Verdict noOpinion(Supplier<Explanation> words) {
    return new Verdict(Vote.NO_OPINION, 1.0, words);
  }

  public Vote vote() {
    return vote;
  }

  public double keepProbability() {
    return keepProbability;
  }

  /** The sentence a person reads. */
  public String reason() {
    return explanation().reason();
  }

  /** What the policy looked at. */
  public List<Evidence> evidence() {
    return explanation().evidence();
  }

  /** The reason and evidence, put into words now if they were not yet. */
  public Explanation explanation() {
    Object w = words;
    if (w instanceof Explanation e) {
      return e;
    }
    @SuppressWarnings("unchecked")
    Supplier<Explanation> supplier = (Supplier<Explanation>) w;
    Explanation e =
        Objects.requireNonNull(supplier.get(), "the verdict's explanation supplier returned null");
    words = e;
    return e;
  }

  /** This verdict as recorded for the policy {@code name} of type {@code type}. */
  PolicyVerdict namedAs(String name, String type) {
    PolicyVerdict n = named;
    if (n == null || !n.policy().equals(name) || !n.type().equals(type)) {
      n = new PolicyVerdict(name, type, this);
      named = n;
    }
    return n;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Verdict v
        && vote == v.vote
        && Double.compare(keepProbability, v.keepProbability) == 0
        && explanation().equals(v.explanation());
  }

  @Override
  public int hashCode() {
    return Objects.hash(vote, keepProbability, explanation());
  }

  @Override
  public String toString() {
    return "Verdict[vote="
        + vote
        + ", reason="
        + reason()
        + ", evidence="
        + evidence()
        + ", keepProbability="
        + keepProbability
        + "]";
  }
}
