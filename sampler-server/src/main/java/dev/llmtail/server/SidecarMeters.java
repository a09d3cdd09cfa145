package dev.llmtail.server;

import dev.llmtail.core.metrics.ModelCardinalityFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The sidecar's meter registries: the Prometheus one the admin server serves, and what all use.
 *
 * <p>Given an empty Prometheus registry (what {@code llmtail run} passes), the sidecar registers
 * its meters on it directly: a meter of a composite registry steps through its children with a new
 * iterator on every increment, and the deciders increment some twenty counters per decided trace.
 * Any other registry (a test's, one that already holds meters) gets a composite over a Prometheus
 * registry and itself, so that both see every meter.
 */
record SidecarMeters(PrometheusMeterRegistry prometheus, MeterRegistry meters) {

  /**
   * {@code given} itself when it is an empty Prometheus registry, else a composite over the
   * Prometheus registry and {@code given}; either way with the model cardinality filter applied
   * before any of the sidecar's meters exists.
   */
  static SidecarMeters of(MeterRegistry given) {
    if (given instanceof PrometheusMeterRegistry p && p.getMeters().isEmpty()) {
      // Before any meter exists: a filter only applies to meters registered after it.
      p.config().meterFilter(ModelCardinalityFilter.withDefaults());
      return new SidecarMeters(p, p);
    }
    PrometheusMeterRegistry prometheus =
        given instanceof PrometheusMeterRegistry p
            ? p
            : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CompositeMeterRegistry meters = new CompositeMeterRegistry();
    meters.config().meterFilter(ModelCardinalityFilter.withDefaults());
    meters.add(prometheus);
    if (given != prometheus) {
      meters.add(given);
    }
    return new SidecarMeters(prometheus, meters);
  }
}
