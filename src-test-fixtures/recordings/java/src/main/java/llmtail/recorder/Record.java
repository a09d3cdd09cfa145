package llmtail.recorder;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Records every scenario for every Java library in every capture mode into recorded/ (the same
 * file names and labels as ../record.mjs). Usage (from this directory): mvn -q compile exec:java
 * [-Dexec.args="out-dir library,... case,..."].
 */
public final class Record {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Record() {}

  public static void main(String[] args) throws Exception {
    Path recordings = Path.of("..").toAbsolutePath().normalize();
    Path out = args.length > 0 ? Path.of(args[0]) : recordings.resolve("../recorded").normalize();
    List<String> onlyLibraries = args.length > 1 ? List.of(args[1].split(",")) : List.of();
    List<String> onlyCases = args.length > 2 ? List.of(args[2].split(",")) : List.of();
    for (String mode : List.of("defaults", "on", "off")) {
      // One SDK per mode, as one process per mode: instrumentations are set up once.
      Capture capture = new Capture();
      List<Library> libraries =
          List.of(
              new SpringAi(false, capture.sdk, mode),
              new SpringAi(true, capture.sdk, mode),
              new OpenAiJava(capture.sdk, mode));
      for (Library library : libraries) {
        if (!onlyLibraries.isEmpty() && !onlyLibraries.contains(library.name())) {
          continue;
        }
        for (Scenario scenario : Scenarios.ALL) {
          if (!onlyCases.isEmpty() && !onlyCases.contains(scenario.name())) {
            continue;
          }
          record(recordings, out, capture, library, mode, scenario);
        }
      }
      capture.sdk.close();
    }
    System.exit(0);
  }

  private static void record(
      Path recordings, Path out, Capture capture, Library library, String mode, Scenario scenario)
      throws Exception {
    List<Map<String, Object>> replies =
        scenario.replies().stream().map(r -> translated(r, library::model)).toList();
    String outcome = "completed";
    String traceId;
    Tracer tracer = capture.sdk.getTracer("recorded-app");
    try (MockProvider mock = new MockProvider(recordings, JSON.writeValueAsString(replies))) {
      Span root = tracer.spanBuilder("POST /support/chat").setSpanKind(SpanKind.SERVER).startSpan();
      traceId = root.getSpanContext().getTraceId();
      try (Scope ignored = root.makeCurrent()) {
        scenario.run().run(new Scenario.App(library, mock.origin, capture, tracer));
      } catch (Exception e) {
        String message = String.valueOf(e.getMessage());
        outcome =
            "failed: " + e.getClass().getSimpleName() + " " + message.substring(0, Math.min(80, message.length()));
      } finally {
        root.end();
      }
      Thread.sleep(300); // let aborted streams settle, as they would live
    }
    Scenario.Expectation expectation = scenario.expectation(library.name(), mode);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("case", scenario.name());
    labels.put("expected", expectation.expected());
    labels.put("what", expectation.what());
    labels.put("source", library.name());
    labels.put("library", library.library());
    labels.put("library_version", library.version());
    labels.put("capture_mode", mode);
    labels.put("app_outcome", outcome);
    Path file = out.resolve(library.name()).resolve(scenario.name() + "." + mode + ".json");
    String counts = capture.write(file, traceId, labels);
    System.out.println(file + ": " + counts + " (" + outcome + ")");
  }

  private static Map<String, Object> translated(Map<String, Object> reply, Function<String, String> model) {
    Map<String, Object> copy = new LinkedHashMap<>(reply);
    if (copy.get("model") instanceof String m) {
      copy.put("model", model.apply(m));
    }
    return copy;
  }

  /** An evaluator's verdict on the current span, as a gen_ai.evaluation.result log record. */
  static void evaluationLog(Capture capture, String name, String label, double score, String explanation) {
    capture
        .sdk
        .getLogsBridge()
        .get("recorded-app-evaluator")
        .logRecordBuilder()
        .setEventName("gen_ai.evaluation.result")
        .setSeverity(Severity.INFO)
        .setContext(Context.current())
        .setAllAttributes(
            Attributes.builder()
                .put("event.name", "gen_ai.evaluation.result")
                .put("gen_ai.evaluation.name", name)
                .put("gen_ai.evaluation.score.label", label)
                .put("gen_ai.evaluation.score.value", score)
                .put("gen_ai.evaluation.explanation", explanation)
                .build())
        .emit();
  }

  /** An output guardrail's result, as an apply_guardrail span of the app. */
  static void guardrailSpan(Tracer tracer, String result, double riskScore) {
    tracer
        .spanBuilder("apply_guardrail output-pii")
        .setAllAttributes(
            Attributes.builder()
                .put("gen_ai.operation.name", "apply_guardrail")
                .put("gen_ai.guardrail.name", "output-pii")
                .put("gen_ai.guardrail.result.type", result)
                .put("gen_ai.guardrail.risk.category", "pii")
                .put(AttributeKey.doubleKey("gen_ai.guardrail.risk.score"), riskScore)
                .build())
        .startSpan()
        .end();
  }
}
