package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyProviderTest {

  record Threshold(Integer minSpans) {}

  static final PolicyProvider<Threshold> BIG_TRACES =
      PolicyProvider.of(
          "big-traces",
          Threshold.class,
          o ->
              trace ->
                  trace.spanCount() >= o.minSpans()
                      ? Verdict.keep("big")
                      : Verdict.noOpinion("small"));

  /** A library as a third party would write it: one public class listing its types. */
  public static final class BigTraces implements PolicyLibrary {
    @Override
    public List<PolicyProvider<?>> providers() {
      return List.of(BIG_TRACES);
    }
  }

  /** Another jar that happens to use the same type name. */
  public static final class AlsoBigTraces implements PolicyLibrary {
    @Override
    public List<PolicyProvider<?>> providers() {
      return List.of(PolicyProvider.of("big-traces", Threshold.class, o -> t -> null));
    }
  }

  @Test
  void makesPoliciesFromOptionsThroughTheFactory() {
    Policy policy = BIG_TRACES.create(new Threshold(0));
    assertThat(BIG_TRACES.type()).isEqualTo("big-traces");
    assertThat(BIG_TRACES.optionsType()).isEqualTo(Threshold.class);
    assertThat(
            policy
                .evaluate(
                    TraceView.of(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"), List.of()))
                .reason())
        .isEqualTo("big");
  }

  @Test
  void refusesTypeNamesTheConfigCouldNotSpell() {
    assertThatThrownBy(() -> PolicyProvider.of("Big Traces", Threshold.class, o -> t -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("type: 'Big Traces' (expected: lower case letters");
  }

  @Test
  void saysWhichTypeMadeNoPolicy() {
    PolicyProvider<Threshold> broken = PolicyProvider.of("broken", Threshold.class, o -> null);
    assertThatThrownBy(() -> broken.create(new Threshold(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("policy type 'broken' made no policy");
  }

  @Test
  void indexesTheTypesOfEveryLibraryByName() {
    assertThat(PolicyTypeIndex.of(List.of(new BigTraces())))
        .containsOnlyKeys("big-traces")
        .containsValue(BIG_TRACES);
  }

  @Test
  void refusesATypeProvidedByTwoLibrariesNamingBoth() {
    assertThatThrownBy(() -> PolicyTypeIndex.of(List.of(new BigTraces(), new AlsoBigTraces())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("policy type 'big-traces' is provided twice")
        .hasMessageContaining(BigTraces.class.getName())
        .hasMessageContaining(AlsoBigTraces.class.getName());
  }
}
