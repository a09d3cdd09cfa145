package dev.llmtail.policies;

import dev.llmtail.core.PolicyLibrary;
import dev.llmtail.core.PolicyProvider;
import java.util.List;

/**
 * The policy types shipped with llmtail, registered with {@link java.util.ServiceLoader} as a
 * {@link PolicyLibrary}. Each type is a package-private policy class with its options record;
 * docs/policies.md describes them.
 */
public final class ShippedPolicies implements PolicyLibrary {

  private static final List<PolicyProvider<?>> PROVIDERS =
      List.of(
          AlwaysSamplePolicy.PROVIDER,
          ProbabilisticPolicy.PROVIDER,
          StatusCodePolicy.PROVIDER,
          LatencyPolicy.PROVIDER,
          SemanticFlagPolicy.PROVIDER,
          RefusalPolicy.PROVIDER,
          RetryStormPolicy.PROVIDER,
          TruncatedStreamPolicy.PROVIDER,
          HighCostPolicy.PROVIDER,
          ModelSubstitutionPolicy.PROVIDER,
          CacheMissPolicy.PROVIDER,
          DuplicateRequestPolicy.PROVIDER,
          BillingGapPolicy.PROVIDER,
          TokenDriftPolicy.PROVIDER,
          StringAttributePolicy.PROVIDER,
          NumericAttributePolicy.PROVIDER,
          BooleanAttributePolicy.PROVIDER,
          SpanCountPolicy.PROVIDER,
          TraceStatePolicy.PROVIDER,
          RateLimitingPolicy.PROVIDER,
          BytesLimitingPolicy.PROVIDER,
          AndPolicy.PROVIDER,
          NotPolicy.PROVIDER,
          DropPolicy.PROVIDER,
          CompositePolicy.PROVIDER,
          ConditionPolicy.PROVIDER,
          DynamicPolicy.PROVIDER);

  /** Called by {@link java.util.ServiceLoader}. */
  public ShippedPolicies() {}

  @Override
  public List<PolicyProvider<?>> providers() {
    return PROVIDERS;
  }
}
