package llmtail.recorder;

import io.opentelemetry.api.trace.Tracer;
import java.util.List;
import java.util.Map;

/**
 * One recorded case: what happened, the mock provider's scripted replies, the app's calls, and
 * the llmtail policy type that must keep it ("healthy": no LLM policy may keep it). overrides
 * replace the expectation for a library ("name") or a library in one mode ("name.mode") when
 * the library's trace cannot show what happened.
 */
record Scenario(
    String name,
    String expected,
    String what,
    List<Map<String, Object>> replies,
    Body run,
    Map<String, Expectation> overrides) {

  Scenario(String name, String expected, String what, List<Map<String, Object>> replies, Body run) {
    this(name, expected, what, replies, run, Map.of());
  }

  Scenario with(String key, String expected, String what) {
    Map<String, Expectation> o = new java.util.HashMap<>(overrides);
    o.put(key, new Expectation(expected, what));
    return new Scenario(name, this.expected, this.what, replies, run, Map.copyOf(o));
  }

  Expectation expectation(String library, String mode) {
    Expectation e = overrides.get(library + "." + mode);
    if (e == null) {
      e = overrides.get(library);
    }
    return e != null ? e : new Expectation(expected, what);
  }

  /** The expected policy type and the description of the case. */
  record Expectation(String expected, String what) {}

  /** What the app does in this case. */
  interface Body {
    void run(App app) throws Exception;
  }

  /** The app's view: the library under test, the mock's origin, the telemetry to emit flags with. */
  record App(Library library, String origin, Capture capture, Tracer tracer) {
    void call(Call call) throws Exception {
      library.call(origin, call.model(library.model(call.model())));
    }
  }
}
