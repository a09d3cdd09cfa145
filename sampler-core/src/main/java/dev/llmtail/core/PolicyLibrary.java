package dev.llmtail.core;

import java.util.List;
import java.util.ServiceLoader;
import java.util.SortedMap;

/**
 * Service-provider interface: a set of policy types shipped together, found with {@link
 * ServiceLoader}. A jar of policies has one public class implementing it, named in {@code
 * META-INF/services/dev.llmtail.core.PolicyLibrary}; the policies themselves can stay
 * package-private behind {@link PolicyProvider#of}. See docs/policies.md, "Writing a policy type".
 */
public interface PolicyLibrary {

  /** The policy types of this library. */
  List<PolicyProvider<?>> providers();

  /**
   * Every policy type of every library the context class loader finds, by type name.
   *
   * @throws IllegalStateException if two providers share a type name, naming both libraries
   */
  static SortedMap<String, PolicyProvider<?>> discover() {
    return PolicyTypeIndex.of(ServiceLoader.load(PolicyLibrary.class));
  }
}
