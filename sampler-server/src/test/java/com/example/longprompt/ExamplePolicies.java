package com.example.longprompt;

import dev.llmtail.core.PolicyLibrary;
import dev.llmtail.core.PolicyProvider;
import java.util.List;

/** The policy types of this jar, found by llmtail through {@code META-INF/services}. */
public final class ExamplePolicies implements PolicyLibrary {

  @Override
  public List<PolicyProvider<?>> providers() {
    return List.of(LongPromptPolicy.PROVIDER);
  }
}
