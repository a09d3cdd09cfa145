package dev.llmtail.server;

import dev.llmtail.core.metrics.ModelCardinalityFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The sidecar's meter registries: the Prometheus one the admin server serves, and what all use. */
record SidecarMeters(PrometheusMeterRegistry prometheus, CompositeMeterRegistry meters) {

  /**
   * The Prometheus registry ({@code given} when it is one) and a composite over it and {@code
   * given}, with the model cardinality filter applied before any meter exists.
   */
  static SidecarMeters of(MeterRegistry given) {
    PrometheusMeterRegistry prometheus =
        given instanceof PrometheusMeterRegistry p
            ? p
            : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CompositeMeterRegistry meters = new CompositeMeterRegistry();
    // Before any meter exists: a filter only applies to meters registered after it.
    meters.config().meterFilter(ModelCardinalityFilter.withDefaults());
    meters.add(prometheus);
    if (given != prometheus) {
      meters.add(given);
    }
    return new SidecarMeters(prometheus, meters);
  }
}
