package com.example.longprompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.PolicyContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The third-party policy that docs/policies.md ("Writing a policy type") shows: held to the policy
 * kit, registered through {@code META-INF/services} as a user's jar would be, loaded from the
 * documented YAML, and the same code as the docs show.
 */
class LongPromptPolicyTest extends PolicyContract<LongPromptPolicy.Options> {

  private static final Path POLICIES_MD = Path.of("../docs/policies.md");
  private static final Path SOURCES = Path.of("src/test/java/com/example/longprompt");
  private static final Path REGISTRATION =
      Path.of("src/test/resources/example-policy-jar/META-INF/services")
          .resolve("dev.llmtail.core.PolicyLibrary");
  private static final String SECTION = "## Writing a policy type";

  /** What a config needs besides its policies. */
  private static final String EXPORTER = "exporter:\n  file:\n    path: kept.jsonl\n";

  private static final Pattern FENCE =
      Pattern.compile("(?m)^```(\\S*)\\n(.*?)^```$", Pattern.DOTALL);
  private static final Pattern TYPE_NAME =
      Pattern.compile("(?m)^(?:public )?(?:final )?(?:class|interface|record) (\\w+)");

  @Override
  protected PolicyProvider<LongPromptPolicy.Options> provider() {
    return LongPromptPolicy.PROVIDER;
  }

  @Override
  protected LongPromptPolicy.Options options() {
    return new LongPromptPolicy.Options(null);
  }

  @Override
  protected TraceView matchingTrace() {
    return chatWithInputTokens(150_000);
  }

  @Test
  void keepsALongPromptWhenLoadedFromTheDocumentedConfig() throws Exception {
    NamedPolicy policy = documentedConfig().policies().get(0);

    Verdict verdict = policy.policy().evaluate(chatWithInputTokens(60_000));

    assertThat(policy.type()).isEqualTo("long-prompt");
    assertThat(verdict.vote()).isEqualTo(Vote.KEEP);
    assertThat(verdict.reason())
        .isEqualTo("long-prompt: gpt-4o-2024-08-06 was sent 60000 input tokens");
    assertThat(verdict.evidence().get(0).threshold()).isEqualTo(">= 50000");
  }

  @Test
  void hasNoOpinionOnShorterPrompts() throws Exception {
    NamedPolicy policy = documentedConfig().policies().get(0);

    Verdict verdict = policy.policy().evaluate(chatWithInputTokens(49_999));

    assertThat(verdict.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(verdict.reason()).isEqualTo("no prompt of 50000 input tokens or more");
  }

  @Test
  void aBadOptionIsAConfigErrorNamingTheKey() {
    String yaml =
        EXPORTER
            + "policies:\n  - name: long-prompts\n    type: long-prompt\n    min_input_tokens: 0\n";

    assertThatThrownBy(() -> withExampleJar(loader -> loader.parse(Path.of("bad.yaml"), yaml)))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .containsExactly(
                        "bad.yaml:7: policies[0].min_input_tokens: 0 (expected: >= 1, e.g. 50000)"));
  }

  @Test
  void withoutItsRegistrationTheTypeIsUnknown() {
    assertThat(ConfigLoader.withEnvironment(Map.of()).policyTypes()).doesNotContain("long-prompt");
  }

  @Test
  void theDocsShowThisCodeAndRegistration() throws IOException {
    List<String[]> blocks = documentedBlocks();
    List<String> javaTypes = new ArrayList<>();
    for (String[] block : blocks) {
      if (block[0].equals("java")) {
        Matcher type = TYPE_NAME.matcher(block[1]);
        assertThat(type.find()).as("a type declared in %n%s", block[1]).isTrue();
        javaTypes.add(type.group(1));
        assertThat(block[1])
            .as("docs/policies.md shows %s.java as it is", type.group(1))
            .isEqualTo(Files.readString(SOURCES.resolve(type.group(1) + ".java")));
      }
    }
    assertThat(javaTypes).containsExactly("LongPromptPolicy", "ExamplePolicies");
    assertThat(blocks)
        .anySatisfy(
            b -> {
              assertThat(b[0]).isEqualTo("text");
              assertThat(b[1]).isEqualTo(Files.readString(REGISTRATION));
            });
  }

  private static TraceView chatWithInputTokens(long inputTokens) {
    return LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy().usage(inputTokens, 200L))
        .view()
        .withGenAi(new GenAiNormalizer(new SimpleMeterRegistry()));
  }

  /**
   * A config with the policies of the docs' yaml block, loaded with the example jar on the class
   * path.
   */
  private static LlmtailConfig documentedConfig() throws Exception {
    String yaml =
        documentedBlocks().stream()
            .filter(b -> b[0].equals("yaml"))
            .map(b -> b[1])
            .findFirst()
            .orElseThrow();
    return withExampleJar(loader -> loader.parse(POLICIES_MD, EXPORTER + yaml));
  }

  /** The fenced blocks (language, content) of the docs' section on writing a policy type. */
  private static List<String[]> documentedBlocks() throws IOException {
    String doc = Files.readString(POLICIES_MD);
    int start = doc.indexOf(SECTION);
    assertThat(start).as("docs/policies.md has a section '%s'", SECTION).isNotNegative();
    int end = doc.indexOf("\n## ", start + SECTION.length());
    Matcher fence = FENCE.matcher(doc.substring(start, end < 0 ? doc.length() : end));
    List<String[]> blocks = new ArrayList<>();
    while (fence.find()) {
      blocks.add(new String[] {fence.group(1), fence.group(2)});
    }
    return blocks;
  }

  private interface LoaderCall<T> {
    T call(ConfigLoader loader) throws Exception;
  }

  /**
   * Runs {@code call} with a loader that sees the example's {@code META-INF/services} file, as
   * llmtail sees it when the example's jar is on its class path; other tests do not see it.
   */
  private static <T> T withExampleJar(LoaderCall<T> call) throws Exception {
    URL jar = LongPromptPolicyTest.class.getResource("/example-policy-jar/");
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    try (URLClassLoader withJar = new URLClassLoader(new URL[] {jar}, previous)) {
      thread.setContextClassLoader(withJar);
      return call.call(ConfigLoader.withEnvironment(Map.of()));
    } finally {
      thread.setContextClassLoader(previous);
    }
  }
}
