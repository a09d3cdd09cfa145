package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's meters reach {@code /metrics} with model names bounded, whether they go straight on
 * the Prometheus registry {@code llmtail run} passes or through a composite with a test's registry.
 */
class SidecarMetersTest {

  private static void countCallOfUnknownModel(SidecarMeters registries) {
    Counter.builder("llmtail.llm.calls")
        .tag("provider", "openai")
        .tag("model", "acme-finetune-7")
        .register(registries.meters())
        .increment();
  }

  @Test
  void registersStraightOnAnEmptyPrometheusRegistryWithModelNamesBounded() {
    PrometheusMeterRegistry given = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    SidecarMeters registries = SidecarMeters.of(given);
    countCallOfUnknownModel(registries);

    assertThat(registries.meters()).isSameAs(given);
    assertThat(registries.prometheus()).isSameAs(given);
    assertThat(given.scrape())
        .contains("llmtail_llm_calls_total{model=\"other\",provider=\"openai\"} 1.0")
        .doesNotContain("acme-finetune-7");
  }

  @Test
  void aRegistryThatIsNotAnEmptyPrometheusOneSeesEveryMeterThroughAComposite() {
    SimpleMeterRegistry given = new SimpleMeterRegistry();

    SidecarMeters registries = SidecarMeters.of(given);
    countCallOfUnknownModel(registries);

    assertThat(given.get("llmtail.llm.calls").tag("model", "other").counter().count())
        .isEqualTo(1.0);
    assertThat(registries.prometheus().scrape())
        .contains("llmtail_llm_calls_total{model=\"other\",provider=\"openai\"} 1.0");
  }

  @Test
  void aPrometheusRegistryThatAlreadyHoldsMetersKeepsThemAndGetsTheSidecarsToo() {
    PrometheusMeterRegistry given = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("embedder.requests").register(given).increment();

    SidecarMeters registries = SidecarMeters.of(given);
    countCallOfUnknownModel(registries);

    assertThat(registries.prometheus()).isSameAs(given);
    assertThat(given.scrape())
        .contains("embedder_requests_total 1.0")
        .contains("llmtail_llm_calls_total{model=\"other\",provider=\"openai\"} 1.0");
  }
}
