package dev.llmtail.policies;

import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.llmtail.core.SpanView;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A CEL condition over one root span and its resource, as {@code buffer.completion_rules} use:
 * {@code span} has the fields of an entry of the {@code condition} policy's {@code spans} ({@code
 * name}, {@code service}, {@code status}, {@code duration_ms}, {@code attributes}, …) and {@code
 * resource} the resource's attributes, e.g. {@code span.attributes["gen_ai.operation.name"] ==
 * "invoke_agent"}. Compiled and type-checked like the {@code condition} policy's expression: an
 * error names the position and the problem. A condition that fails on a span is false for it.
 */
public final class RootSpanCondition implements Predicate<SpanView> {

  private static final MapType OBJECT = MapType.create(SimpleType.STRING, SimpleType.DYN);
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .addVar("span", OBJECT)
          .addVar("resource", OBJECT)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .setResultType(SimpleType.BOOL)
          .build();

  private final CelRuntime.Program program;

  private RootSpanCondition(CelRuntime.Program program) {
    this.program = program;
  }

  /**
   * Compiles {@code expression}; throws {@link IllegalArgumentException} naming the problem and its
   * position ("expression: ERROR: expression:1:6: undeclared reference to 'spn'").
   */
  public static RootSpanCondition compile(String expression) {
    return new RootSpanCondition(ConditionPolicy.program(COMPILER, expression));
  }

  @Override
  public boolean test(SpanView root) {
    try {
      return Boolean.TRUE.equals(
          program.eval(
              Map.of(
                  "span",
                  ConditionPolicy.spanFields(root),
                  "resource",
                  ConditionPolicy.attributes(root.resource().getAttributesList()))));
    } catch (CelEvaluationException | RuntimeException e) {
      return false; // e.g. a missing attribute: this rule is not for this trace
    }
  }
}
