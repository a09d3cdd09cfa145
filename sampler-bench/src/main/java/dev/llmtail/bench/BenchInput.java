package dev.llmtail.bench;

import java.util.List;

/** One traffic input: its requests and the rate it is sent at. */
record BenchInput(String name, List<TrafficMix.Template> templates, double rate) {

  long spans() {
    return templates.stream().mapToLong(TrafficMix.Template::spans).sum();
  }

  long traces() {
    return templates.stream().mapToLong(TrafficMix.Template::traces).sum();
  }

  double wirePerSpan() {
    return templates.stream().mapToLong(t -> t.bytes().length).sum() / (double) spans();
  }

  double spansPerTrace() {
    return spans() / (double) traces();
  }
}
