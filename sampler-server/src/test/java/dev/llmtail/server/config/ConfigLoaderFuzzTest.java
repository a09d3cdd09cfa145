package dev.llmtail.server.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fuzzes the config loader with arbitrary text: it either loads or throws a {@link ConfigException}
 * listing the problems; any other exception is a bug. The build replays the saved inputs under
 * {@code ConfigLoaderFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/operations.md).
 */
class ConfigLoaderFuzzTest {

  private static final ConfigLoader LOADER = ConfigLoader.withEnvironment(Map.of("HOME", "/tmp"));

  @FuzzTest(maxDuration = "5m")
  void anyTextLoadsOrIsRefusedWithProblems(FuzzedDataProvider data) {
    try {
      LOADER.parse(Path.of("fuzz.yaml"), data.consumeRemainingAsString());
    } catch (ConfigException expected) {
      if (expected.problems().isEmpty()) {
        throw new AssertionError("a ConfigException without problems", expected);
      }
    }
  }
}
