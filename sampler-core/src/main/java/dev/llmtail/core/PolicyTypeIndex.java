package dev.llmtail.core;

import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** The policy types of several libraries by name, refusing a name provided twice. */
final class PolicyTypeIndex {

  private PolicyTypeIndex() {}

  static SortedMap<String, PolicyProvider<?>> of(Iterable<? extends PolicyLibrary> libraries) {
    SortedMap<String, PolicyProvider<?>> byType = new TreeMap<>();
    Map<String, PolicyLibrary> providedBy = new HashMap<>();
    for (PolicyLibrary library : libraries) {
      for (PolicyProvider<?> provider : library.providers()) {
        PolicyLibrary earlier = providedBy.putIfAbsent(provider.type(), library);
        if (earlier != null) {
          throw new IllegalStateException(
              "policy type '"
                  + provider.type()
                  + "' is provided twice: by "
                  + earlier.getClass().getName()
                  + " and "
                  + library.getClass().getName()
                  + " (expected: one provider per type; remove one of them from the class path)");
        }
        byType.put(provider.type(), provider);
      }
    }
    return byType;
  }
}
