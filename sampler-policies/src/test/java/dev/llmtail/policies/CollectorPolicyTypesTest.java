package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The policy types that carry the Collector's names, each held to the policy kit. */
class CollectorPolicyTypesTest {

  static TraceView checkout(long durationMillis, String route) {
    TraceBuilder t = TraceBuilder.trace().service("shop");
    t.root("POST " + route)
        .durationMillis(durationMillis)
        .attribute("http.route", route)
        .attribute("http.response.status_code", 200L)
        .attribute("app.debug", true);
    t.child("SELECT cart");
    return t.view();
  }

  static NamedPolicy named(String name, Policy p) {
    return new NamedPolicy(name, "test", p);
  }

  static final Policy ALWAYS = t -> Verdict.keep("always");
  static final Policy NEVER = t -> Verdict.noOpinion("never");

  @Nested
  class StringAttribute extends PolicyContract<StringAttributePolicy.Options> {
    final PolicyProvider<StringAttributePolicy.Options> provider = StringAttributePolicy.PROVIDER;

    @Override
    protected PolicyProvider<StringAttributePolicy.Options> provider() {
      return provider;
    }

    @Override
    protected StringAttributePolicy.Options options() {
      return new StringAttributePolicy.Options("http.route", List.of("/checkout"), null, null);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(100, "/checkout");
    }

    @Test
    void matchesExactValuesRegexesAndResourceAttributes() {
      assertThat(provider.create(options()).evaluate(checkout(100, "/cart")).vote())
          .isEqualTo(Vote.NO_OPINION);
      assertThat(
              provider
                  .create(
                      new StringAttributePolicy.Options(
                          "http.route", List.of("^/check"), true, null))
                  .evaluate(checkout(1, "/checkout"))
                  .vote())
          .isEqualTo(Vote.KEEP);
      assertThat(
              provider
                  .create(
                      new StringAttributePolicy.Options(
                          "service.name", List.of("shop"), null, null))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .as("resource attribute")
          .isEqualTo(Vote.KEEP);
    }

    @Test
    void invertKeepsTracesWithoutTheValueAndNeverDrops() {
      Policy p =
          provider.create(
              new StringAttributePolicy.Options("http.route", List.of("/healthz"), null, true));
      assertThat(p.evaluate(checkout(1, "/checkout")).vote()).isEqualTo(Vote.KEEP);
      assertThat(p.evaluate(checkout(1, "/healthz")).vote()).isEqualTo(Vote.NO_OPINION);
    }

    @Test
    void aNonStringValueOrAMissingAttributeNeverMatches() {
      assertThat(
              provider
                  .create(
                      new StringAttributePolicy.Options(
                          "http.response.status_code", List.of("200"), null, null))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
      assertThat(
              provider
                  .create(new StringAttributePolicy.Options("nope", List.of("x"), null, null))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
    }

    @Override
    protected Vote voteOnEmptyTrace() {
      return Vote.NO_OPINION;
    }
  }

  @Nested
  class NumericAttribute extends PolicyContract<NumericAttributePolicy.Options> {
    final PolicyProvider<NumericAttributePolicy.Options> provider = NumericAttributePolicy.PROVIDER;

    @Override
    protected PolicyProvider<NumericAttributePolicy.Options> provider() {
      return provider;
    }

    @Override
    protected NumericAttributePolicy.Options options() {
      return new NumericAttributePolicy.Options("http.response.status_code", 200.0, 299.0, null);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/checkout");
    }

    @Test
    void keepsValuesInRangeAndInvertsOnRequest() {
      assertThat(
              provider
                  .create(
                      new NumericAttributePolicy.Options(
                          "http.response.status_code", 500.0, null, null))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
      assertThat(
              provider
                  .create(
                      new NumericAttributePolicy.Options(
                          "http.response.status_code", 500.0, null, true))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.KEEP);
      assertThatThrownBy(() -> new NumericAttributePolicy.Options("k", 5.0, 1.0, null))
          .hasMessageStartingWith("max_value: 1.0 is below min_value 5.0");
    }

    @Test
    void aStringThatLooksLikeANumberIsNotANumber() {
      assertThat(
              provider
                  .create(new NumericAttributePolicy.Options("http.route", 0.0, null, null))
                  .evaluate(checkout(1, "/1"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
    }
  }

  @Nested
  class BooleanAttribute extends PolicyContract<BooleanAttributePolicy.Options> {
    final PolicyProvider<BooleanAttributePolicy.Options> provider = BooleanAttributePolicy.PROVIDER;

    @Override
    protected PolicyProvider<BooleanAttributePolicy.Options> provider() {
      return provider;
    }

    @Override
    protected BooleanAttributePolicy.Options options() {
      return new BooleanAttributePolicy.Options("app.debug", true, null);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/checkout");
    }

    @Test
    void matchesOnlyTheConfiguredValue() {
      assertThat(
              provider
                  .create(new BooleanAttributePolicy.Options("app.debug", false, null))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
      assertThat(
              provider
                  .create(new BooleanAttributePolicy.Options("app.debug", false, true))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.KEEP);
    }
  }

  @Nested
  class SpanCount extends PolicyContract<SpanCountPolicy.Options> {
    final PolicyProvider<SpanCountPolicy.Options> provider = SpanCountPolicy.PROVIDER;

    @Override
    protected PolicyProvider<SpanCountPolicy.Options> provider() {
      return provider;
    }

    @Override
    protected SpanCountPolicy.Options options() {
      return new SpanCountPolicy.Options(2, 5);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/checkout");
    }

    @Test
    void keepsOnlyCountsInRange() {
      assertThat(
              provider
                  .create(new SpanCountPolicy.Options(3, null))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
      assertThatThrownBy(() -> new SpanCountPolicy.Options(0, null))
          .hasMessageStartingWith("min_spans: 0");
    }
  }

  @Nested
  class TraceState extends PolicyContract<TraceStatePolicy.Options> {
    final PolicyProvider<TraceStatePolicy.Options> provider = TraceStatePolicy.PROVIDER;

    @Override
    protected PolicyProvider<TraceStatePolicy.Options> provider() {
      return provider;
    }

    @Override
    protected TraceStatePolicy.Options options() {
      return new TraceStatePolicy.Options("vendor", List.of("keep"));
    }

    @Override
    protected TraceView matchingTrace() {
      TraceView plain = checkout(1, "/x");
      ResourceSpans rs = plain.fragments().get(0);
      var scope = rs.getScopeSpans(0).toBuilder();
      scope.setSpans(0, scope.getSpans(0).toBuilder().setTraceState("other=1,vendor=keep"));
      return TraceView.of(plain.traceId(), List.of(rs.toBuilder().setScopeSpans(0, scope).build()));
    }

    @Test
    void ignoresOtherKeysAndValues() {
      assertThat(
              provider
                  .create(new TraceStatePolicy.Options("vendor", List.of("drop")))
                  .evaluate(matchingTrace())
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
      assertThat(provider.create(options()).evaluate(checkout(1, "/x")).vote())
          .isEqualTo(Vote.NO_OPINION);
    }
  }

  @Nested
  class RateLimiting extends PolicyContract<RateLimitingPolicy.Options> {
    final PolicyProvider<RateLimitingPolicy.Options> provider = RateLimitingPolicy.PROVIDER;

    @Override
    protected PolicyProvider<RateLimitingPolicy.Options> provider() {
      return provider;
    }

    @Override
    protected RateLimitingPolicy.Options options() {
      return new RateLimitingPolicy.Options(1_000_000L);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/x");
    }

    @Override
    protected Vote voteOnEmptyTrace() {
      return Vote.KEEP;
    }

    @Test
    void keepsTracesUntilTheSecondsSpanBudgetIsSpent() {
      Policy p = provider.create(new RateLimitingPolicy.Options(5L));
      TraceView twoSpans = checkout(1, "/x"); // all built traces end in the same second
      assertThat(p.evaluate(twoSpans).vote()).isEqualTo(Vote.KEEP);
      assertThat(p.evaluate(twoSpans).vote()).isEqualTo(Vote.KEEP);
      assertThat(p.evaluate(twoSpans).vote())
          .as("5 spans per second: the third trace's 2 spans do not fit")
          .isEqualTo(Vote.NO_OPINION);
    }
  }

  @Nested
  class BytesLimiting extends PolicyContract<BytesLimitingPolicy.Options> {
    final PolicyProvider<BytesLimitingPolicy.Options> provider = BytesLimitingPolicy.PROVIDER;

    @Override
    protected PolicyProvider<BytesLimitingPolicy.Options> provider() {
      return provider;
    }

    @Override
    protected BytesLimitingPolicy.Options options() {
      return new BytesLimitingPolicy.Options(100_000_000L, null);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/x");
    }

    @Override
    protected Vote voteOnEmptyTrace() {
      return Vote.KEEP;
    }

    @Test
    void keepsTracesWhileTheBurstLasts() {
      TraceView t = checkout(1, "/x");
      long size = t.fragments().get(0).getSerializedSize();
      Policy p = provider.create(new BytesLimitingPolicy.Options(size, size * 2));
      assertThat(p.evaluate(t).vote()).isEqualTo(Vote.KEEP);
      assertThat(p.evaluate(t).vote()).isEqualTo(Vote.KEEP);
      assertThat(p.evaluate(t).vote()).isEqualTo(Vote.NO_OPINION);
    }
  }

  @Nested
  class And extends PolicyContract<AndPolicy.Options> {
    final PolicyProvider<AndPolicy.Options> provider = AndPolicy.PROVIDER;

    @Override
    protected PolicyProvider<AndPolicy.Options> provider() {
      return provider;
    }

    @Override
    protected AndPolicy.Options options() {
      return new AndPolicy.Options(
          List.of(
              named(
                  "slow",
                  LatencyPolicy.PROVIDER.create(
                      new LatencyPolicy.Options(Duration.ofSeconds(2), null))),
              named(
                  "checkout",
                  StringAttributePolicy.PROVIDER.create(
                      new StringAttributePolicy.Options(
                          "http.route", List.of("/checkout"), null, null)))));
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(3_000, "/checkout");
    }

    @Test
    void keepsOnlyWhenEverySubPolicyKeeps() {
      Policy p = provider.create(options());
      assertThat(p.evaluate(checkout(3_000, "/cart")).vote()).isEqualTo(Vote.NO_OPINION);
      assertThat(p.evaluate(checkout(100, "/checkout")).vote()).isEqualTo(Vote.NO_OPINION);
      assertThat(p.evaluate(checkout(3_000, "/checkout")).reason())
          .startsWith("all sub-policies keep: slow: trace took 3s, in >= 2s; checkout: span ");
    }

    @Test
    void aSampledAndStandsForItsSmallestProbability() {
      Policy sampled = t -> Verdict.keepSampled(0.25, "in 25%");
      Verdict v =
          provider
              .create(new AndPolicy.Options(List.of(named("a", ALWAYS), named("s", sampled))))
              .evaluate(matchingTrace());
      assertThat(v.keepProbability()).isEqualTo(0.25);
    }
  }

  @Nested
  class Not extends PolicyContract<NotPolicy.Options> {
    final PolicyProvider<NotPolicy.Options> provider = NotPolicy.PROVIDER;

    @Override
    protected PolicyProvider<NotPolicy.Options> provider() {
      return provider;
    }

    @Override
    protected NotPolicy.Options options() {
      return new NotPolicy.Options(
          named(
              "ok", StatusCodePolicy.PROVIDER.create(new StatusCodePolicy.Options(List.of("OK")))));
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/x");
    }

    @Override
    protected Vote voteOnEmptyTrace() {
      return Vote.KEEP;
    }

    @Test
    void hasNoOpinionWhereTheSubPolicyKeeps() {
      assertThat(
              provider
                  .create(new NotPolicy.Options(named("always", ALWAYS)))
                  .evaluate(checkout(1, "/x"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
    }
  }

  @Nested
  class Drop extends PolicyContract<DropPolicy.Options> {
    final PolicyProvider<DropPolicy.Options> provider = DropPolicy.PROVIDER;

    @Override
    protected PolicyProvider<DropPolicy.Options> provider() {
      return provider;
    }

    @Override
    protected DropPolicy.Options options() {
      return new DropPolicy.Options(
          List.of(
              named(
                  "health",
                  StringAttributePolicy.PROVIDER.create(
                      new StringAttributePolicy.Options(
                          "http.route", List.of("/healthz"), null, null)))));
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/healthz");
    }

    @Test
    void dropsOnlyWhenEveryRuleMatches() {
      Verdict v = provider.create(options()).evaluate(checkout(1, "/healthz"));
      assertThat(v.vote()).isEqualTo(Vote.DROP);
      assertThat(
              provider
                  .create(new DropPolicy.Options(List.of(named("a", ALWAYS), named("n", NEVER))))
                  .evaluate(checkout(1, "/healthz"))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
    }
  }

  @Nested
  class Composite extends PolicyContract<CompositePolicy.Options> {
    final PolicyProvider<CompositePolicy.Options> provider = CompositePolicy.PROVIDER;

    @Override
    protected PolicyProvider<CompositePolicy.Options> provider() {
      return provider;
    }

    @Override
    protected CompositePolicy.Options options() {
      return new CompositePolicy.Options(1_000_000L, List.of(named("everything", ALWAYS)), null);
    }

    @Override
    protected TraceView matchingTrace() {
      return checkout(1, "/x");
    }

    @Override
    protected Vote voteOnEmptyTrace() {
      return Vote.KEEP;
    }

    @Test
    void givesEachSubPolicyItsShareAndFallsThroughWhenItIsSpent() {
      // 10 spans/s: "first" may keep 4 (40 %), "second" the other 6.
      Policy p =
          provider.create(
              new CompositePolicy.Options(
                  10L,
                  List.of(named("first", ALWAYS), named("second", ALWAYS)),
                  List.of(new CompositePolicy.Allocation("first", 40.0))));
      TraceView twoSpans = checkout(1, "/x");
      assertThat(p.evaluate(twoSpans).reason()).startsWith("composite: kept by first");
      assertThat(p.evaluate(twoSpans).reason()).startsWith("composite: kept by first");
      assertThat(p.evaluate(twoSpans).reason()).startsWith("composite: kept by second");
      assertThat(p.evaluate(twoSpans).reason()).startsWith("composite: kept by second");
      assertThat(p.evaluate(twoSpans).reason()).startsWith("composite: kept by second");
      assertThat(p.evaluate(twoSpans).vote()).isEqualTo(Vote.NO_OPINION);
    }

    @Test
    void refusesAllocationsToUnknownPoliciesOrAbove100Percent() {
      assertThatThrownBy(
              () ->
                  new CompositePolicy.Options(
                      10L,
                      List.of(named("a", ALWAYS)),
                      List.of(new CompositePolicy.Allocation("b", 10.0))))
          .hasMessageStartingWith("rate_allocation: 'b' is not a sub-policy");
      assertThatThrownBy(
              () ->
                  new CompositePolicy.Options(
                      10L,
                      List.of(named("a", ALWAYS)),
                      List.of(
                          new CompositePolicy.Allocation("a", 60.0),
                          new CompositePolicy.Allocation("a", 60.0))))
          .hasMessageStartingWith("rate_allocation: percentages add up to 120.0");
    }
  }
}
