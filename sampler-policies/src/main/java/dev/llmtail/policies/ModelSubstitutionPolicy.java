package dev.llmtail.policies;

import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code model-substitution} policy type: keeps a trace in which the model that answered is not
 * the one asked for — compared without provider prefix and version or date suffix, so {@code
 * gpt-4o} answered by {@code gpt-4o-2024-08-06} is not a substitution — or, when {@code
 * allowed_models} is set, is not on that list. An "auto" model id answered by a concrete model is a
 * substitution by design: it is exactly the routing this policy exists to surface. A requested name
 * that is no known model family (an Azure deployment name such as {@code prod-support-eastus}) is
 * not compared; Anthropic's {@code -0} aliases ({@code claude-sonnet-4-0}) match their dated
 * snapshots.
 */
final class ModelSubstitutionPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("model-substitution", Options.class, ModelSubstitutionPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param allowedModels if not empty, any answering model not on this list keeps the trace
   * @param compareRequested keep when the answering model differs from the requested one (default
   *     true)
   */
  record Options(List<String> allowedModels, Boolean compareRequested) {
    Options {
      allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
      compareRequested = compareRequested == null || compareRequested;
    }
  }

  private final Set<String> allowed;
  private final boolean compareRequested;
  private final CountedVerdicts allMatched =
      CountedVerdicts.noOpinion(
          matched ->
              Explanation.of(
                  matched == 0
                      ? "no LLM call reported its answering model"
                      : "every answering model matched (" + matched + " calls)",
                  Evidence.ofTrace(
                      "calls compared", Integer.toString(matched), "answering = requested model")));

  ModelSubstitutionPolicy(Options options) {
    this.allowed =
        options.allowedModels().stream().map(ModelNames::base).collect(Collectors.toSet());
    this.compareRequested = options.compareRequested();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    int compared = 0;
    for (LlmCall call : trace.llmCalls()) {
      if (call.responseModel().isEmpty()) {
        continue;
      }
      compared++;
      String answered = ModelNames.base(call.responseModel());
      if (!allowed.isEmpty() && !allowed.contains(answered)) {
        return Verdict.keep(
            "model-substitution: "
                + LlmEvidence.label(call)
                + " was answered by "
                + call.responseModel()
                + ", not an allowed model",
            LlmEvidence.of(call, "response model", call.responseModel(), "one of " + allowed));
      }
      // A deployment name or alias outside the known families says nothing about which model
      // was meant: no opinion rather than a false substitution.
      if (compareRequested
          && !call.requestModel().isEmpty()
          && ModelNames.known(call.requestModel())
          && !ModelNames.base(call.requestModel()).equals(answered)) {
        return Verdict.keep(
            "model-substitution: "
                + LlmEvidence.label(call)
                + " asked for "
                + call.requestModel()
                + " but "
                + call.responseModel()
                + " answered",
            LlmEvidence.of(
                call,
                "response model",
                call.responseModel(),
                "= request model " + call.requestModel()));
      }
    }
    return allMatched.of(compared);
  }
}
