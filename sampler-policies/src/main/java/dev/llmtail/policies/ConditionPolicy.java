package dev.llmtail.policies;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.llmtail.core.Evaluation;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code condition} policy type: keeps a trace for which a Common Expression Language
 * expression is true. The expression sees {@code trace}, {@code spans}, {@code llm_calls} and
 * {@code evaluations} (see docs/policies.md for their fields), e.g. {@code llm_calls.exists(c,
 * c.finish_reasons.exists(r, r == "length") && c.streaming)}. It is compiled and type-checked when
 * the config loads; an error names the position in the expression and the problem. Facts a span did
 * not report are absent from its map: test them with {@code has(c.input_tokens)}.
 */
final class ConditionPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("condition", Options.class, ConditionPolicy::new);

  private static final MapType OBJECT = MapType.create(SimpleType.STRING, SimpleType.DYN);
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .addVar("trace", OBJECT)
          .addVar("spans", ListType.create(OBJECT))
          .addVar("llm_calls", ListType.create(OBJECT))
          .addVar("evaluations", ListType.create(OBJECT))
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .setResultType(SimpleType.BOOL)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.legacyCelRuntimeBuilder().build();

  /**
   * The YAML options of this policy.
   *
   * @param expression a CEL expression that yields a bool
   */
  record Options(String expression) {
    Options {
      if (expression == null || expression.isBlank()) {
        throw new IllegalArgumentException(
            "expression: missing (expected: a CEL expression, e.g. llm_calls.exists(c, c.streaming && size(c.finish_reasons) == 0))");
      }
    }
  }

  private final String expression;
  private final CelRuntime.Program program;

  ConditionPolicy(Options o) {
    this.expression = o.expression();
    this.program = program(COMPILER, o.expression());
  }

  /**
   * Compiles and type-checks {@code expression}; throws {@link IllegalArgumentException} naming the
   * position in the expression and the problem.
   */
  static CelRuntime.Program program(CelCompiler compiler, String expression) {
    try {
      CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
      return RUNTIME.createProgram(ast);
    } catch (CelValidationException e) {
      // CEL names the source "<input>" and adds "(in container '')" when no container is set.
      String problem =
          Objects.toString(e.getMessage(), "")
              .replace("<input>", "expression")
              .replace(" (in container '')", "");
      throw new IllegalArgumentException("expression: " + problem, e);
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException("expression: " + e.getMessage(), e);
    }
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    Evidence e = Evidence.ofTrace("condition", expression, "true");
    try {
      Object result = program.eval(variables(trace));
      return Boolean.TRUE.equals(result)
          ? Verdict.keep("condition is true: " + expression, e)
          : Verdict.noOpinion("condition is false: " + expression, e);
    } catch (CelEvaluationException | RuntimeException failed) {
      return Verdict.noOpinion(
          "condition could not be evaluated on this trace: " + failed.getMessage(), e);
    }
  }

  static Map<String, Object> variables(TraceView trace) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("trace_id", trace.traceId().toHex());
    t.put("span_count", (long) trace.spanCount());
    t.put("duration_ms", trace.durationNanos() / 1e6);
    trace
        .root()
        .ifPresent(
            r -> {
              t.put("root_name", r.name());
              t.put("service", r.serviceName());
            });
    t.put("conversation_ids", new ArrayList<>(trace.conversationIds()));
    List<Object> spans = new ArrayList<>();
    for (SpanView s : trace.spans()) {
      spans.add(spanFields(s));
    }
    List<Object> calls = new ArrayList<>();
    for (LlmCall c : trace.llmCalls()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("span_id", c.spanId());
      m.put("provider", c.provider());
      m.put("request_model", c.requestModel());
      m.put("response_model", c.responseModel());
      m.put("model", c.model());
      m.put("operation", c.operation());
      m.put("streaming", Boolean.TRUE.equals(c.streaming()));
      m.put("finish_reasons", c.finishReasons());
      putIfKnown(m, "input_tokens", c.inputTokens());
      putIfKnown(m, "output_tokens", c.outputTokens());
      putIfKnown(m, "cache_read_tokens", c.cacheReadTokens());
      putIfKnown(m, "cache_write_tokens", c.cacheWriteTokens());
      putIfKnown(m, "reasoning_tokens", c.reasoningTokens());
      putIfKnown(m, "cost_usd", c.costUsd());
      putIfKnown(m, "attempt", c.attempt() == null ? null : c.attempt().longValue());
      m.put("error_type", c.errorType());
      m.put("error", c.statusError());
      m.put("ended", c.ended());
      m.put("conversation_id", c.conversationId());
      m.put("output_text", c.outputText());
      calls.add(m);
    }
    List<Object> evaluations = new ArrayList<>();
    for (Evaluation e : trace.evaluations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("span_id", e.spanId());
      m.put("name", e.name());
      m.put("label", e.label());
      putIfKnown(m, "score", e.score());
      m.put("source", e.source());
      evaluations.add(m);
    }
    Map<String, Object> vars = new HashMap<>();
    vars.put("trace", t);
    vars.put("spans", spans);
    vars.put("llm_calls", calls);
    vars.put("evaluations", evaluations);
    return vars;
  }

  /** One span as an entry of {@code spans}. */
  static Map<String, Object> spanFields(SpanView s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("span_id", s.spanIdHex());
    m.put("service", s.serviceName());
    m.put("status", s.statusCode().name().substring("STATUS_CODE_".length()));
    m.put("duration_ms", s.durationNanos() / 1e6);
    m.put("root", s.isRoot());
    m.put("attributes", attributes(s.proto().getAttributesList()));
    m.put("resource", attributes(s.resource().getAttributesList()));
    return m;
  }

  private static void putIfKnown(Map<String, Object> m, String key, @Nullable Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  static Map<String, Object> attributes(List<KeyValue> kvs) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (KeyValue kv : kvs) {
      Object v = value(kv.getValue());
      if (v != null) {
        out.put(kv.getKey(), v);
      }
    }
    return out;
  }

  private static @Nullable Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case BOOL_VALUE -> v.getBoolValue();
      case ARRAY_VALUE ->
          v.getArrayValue().getValuesList().stream()
              .map(ConditionPolicy::value)
              .filter(x -> x != null)
              .toList();
      case KVLIST_VALUE -> attributes(v.getKvlistValue().getValuesList());
      default -> null;
    };
  }
}
