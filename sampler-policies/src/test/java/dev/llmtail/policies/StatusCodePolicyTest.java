package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusCodePolicyTest extends PolicyContract<StatusCodePolicy.Options> {

  private final PolicyProvider<StatusCodePolicy.Options> provider = StatusCodePolicy.PROVIDER;

  @Override
  protected PolicyProvider<StatusCodePolicy.Options> provider() {
    return provider;
  }

  @Override
  protected StatusCodePolicy.Options options() {
    return new StatusCodePolicy.Options(List.of("ERROR"));
  }

  @Override
  protected TraceView matchingTrace() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat").durationMillis(1400);
    t.child("chat gpt-4o").error("429 Too Many Requests");
    return t.view();
  }

  @Test
  void keepsATraceWithAnErrorSpanAndNamesTheSpan() {
    Verdict v = provider.create(options()).evaluate(matchingTrace());
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).contains("chat gpt-4o").endsWith("has status ERROR");
    assertThat(v.evidence().get(0).attribute()).isEqualTo("status.code");
    assertThat(v.evidence().get(0).observed()).isEqualTo("ERROR");
    assertThat(v.evidence().get(0).spanId()).hasSize(16);
  }

  @Test
  void hasNoOpinionOnATraceWithoutErrors() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat").ok();
    t.child("chat gpt-4o");
    assertThat(provider.create(options()).evaluate(t.view()).vote()).isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void acceptsStatusNamesInAnyCase() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("GET /health").ok();
    assertThat(
            provider.create(new StatusCodePolicy.Options(List.of("ok"))).evaluate(t.view()).vote())
        .isEqualTo(Vote.KEEP);
  }

  @Test
  void refusesUnknownStatusNames() {
    assertThatThrownBy(() -> new StatusCodePolicy.Options(List.of("FAILED")))
        .hasMessage("status_codes: 'FAILED' (expected: ERROR, OK or UNSET)");
    assertThatThrownBy(() -> new StatusCodePolicy.Options(List.of()))
        .hasMessageStartingWith("status_codes: missing");
  }
}
