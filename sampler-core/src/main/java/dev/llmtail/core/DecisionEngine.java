package dev.llmtail.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Runs every configured policy over a trace and combines their verdicts into a {@link Decision}.
 *
 * <p>Precedence, in this order:
 *
 * <ol>
 *   <li>any {@link Vote#DROP} drops the trace (an explicit drop rule beats every keep);
 *   <li>otherwise any {@link Vote#KEEP} keeps it;
 *   <li>otherwise (every policy said no opinion) the trace is dropped: "no policy matched".
 * </ol>
 *
 * <p>Every policy is evaluated for every trace, with no short-circuit, so the decision can show
 * what each one saw; evaluation order therefore never changes the outcome. The adjusted count of a
 * kept trace is {@code 1 / max(keepProbability)} over the keeping verdicts: a trace kept by any
 * rule that always keeps what it matches counts once, a trace kept only by a {@code p}-sampler
 * stands for {@code 1/p} traces (samplers share the trace id's randomness, so the largest {@code p}
 * decides).
 *
 * <p>Thread-safe and stateless apart from the policies it holds; a policy that throws is recorded
 * as {@link Vote#NO_OPINION} with the failure as its reason, and counted in {@code
 * llmtail.policy.failures}.
 */
public final class DecisionEngine {

  private final List<NamedPolicy> policies;
  private final Clock clock;
  private final MeterRegistry meters;
  private final int configVersion;

  public DecisionEngine(List<NamedPolicy> policies, Clock clock, MeterRegistry meters) {
    this(policies, clock, meters, 0);
  }

  /**
   * An engine whose decisions name {@code configVersion}, the version of the config its policies
   * came from (so a decision log can say which policy set decided a trace after a reload).
   */
  public DecisionEngine(
      List<NamedPolicy> policies, Clock clock, MeterRegistry meters, int configVersion) {
    if (configVersion < 0) {
      throw new IllegalArgumentException("configVersion: " + configVersion + " (expected: >= 0)");
    }
    this.configVersion = configVersion;
    this.policies = List.copyOf(policies);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.meters = Objects.requireNonNull(meters, "meters");
    Set<String> names = new HashSet<>();
    for (NamedPolicy p : this.policies) {
      if (!names.add(p.name())) {
        throw new IllegalArgumentException(
            "policy name '" + p.name() + "' is used twice (expected: unique names)");
      }
      failures(p); // at zero from the start, so an alert on it has a series to watch
    }
  }

  private Counter failures(NamedPolicy p) {
    return Counter.builder("llmtail.policy.failures")
        .description("Policy evaluations that threw; recorded as no opinion")
        .tag("policy", p.name())
        .register(meters);
  }

  /** The version of the config these policies came from; 0 if unversioned. */
  public int configVersion() {
    return configVersion;
  }

  /** The policies in evaluation order. */
  public List<NamedPolicy> policies() {
    return policies;
  }

  public Decision decide(TraceView trace, DecisionTrigger trigger) {
    PolicyVerdict[] verdicts = new PolicyVerdict[policies.size()];
    boolean anyKeep = false;
    boolean anyDrop = false;
    double keepProbability = 0;
    for (int i = 0; i < verdicts.length; i++) {
      NamedPolicy p = policies.get(i);
      Verdict v = evaluate(p, trace);
      verdicts[i] = v.namedAs(p.name(), p.type());
      switch (v.vote()) {
        case KEEP -> {
          anyKeep = true;
          keepProbability = Math.max(keepProbability, v.keepProbability());
        }
        case DROP -> anyDrop = true;
        case NO_OPINION -> {}
      }
    }
    boolean kept = !anyDrop && anyKeep;
    String reason;
    if (anyDrop) {
      reason = names("dropped by ", verdicts, Vote.DROP);
    } else if (kept) {
      reason = names("kept by ", verdicts, Vote.KEEP);
    } else {
      reason = "no policy matched";
    }
    double adjustedCount = kept ? 1.0 / keepProbability : 0;
    return new Decision(
        trace.traceId(),
        kept,
        reason,
        adjustedCount,
        trigger,
        clock.instant(),
        Arrays.asList(verdicts),
        configVersion);
  }

  /** {@code prefix} and the names of the policies that voted {@code vote}, comma-separated. */
  private static String names(String prefix, PolicyVerdict[] verdicts, Vote vote) {
    StringBuilder out = new StringBuilder(prefix);
    String separator = "";
    for (PolicyVerdict v : verdicts) {
      if (v.verdict().vote() == vote) {
        out.append(separator).append(v.policy());
        separator = ", ";
      }
    }
    return out.toString();
  }

  private Verdict evaluate(NamedPolicy p, TraceView trace) {
    try {
      return Objects.requireNonNull(p.policy().evaluate(trace), "policy returned no verdict");
    } catch (RuntimeException e) {
      failures(p).increment();
      return Verdict.noOpinion("policy failed: " + e);
    }
  }
}
