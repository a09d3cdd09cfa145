package dev.llmtail.core;

import java.util.Objects;

/** A configured policy: its user-given name, its type, and the policy itself. */
public record NamedPolicy(String name, String type, Policy policy) {

  public NamedPolicy {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(policy, "policy");
  }
}
