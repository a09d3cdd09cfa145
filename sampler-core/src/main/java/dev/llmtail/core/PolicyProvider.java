package dev.llmtail.core;

/**
 * Service-provider interface that makes a policy type available to the configuration: the {@code
 * type} name used in YAML, the record its options bind to, and a factory.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader}. The options type is a record whose
 * components are bound from snake_case YAML keys; its constructor validates the values and throws
 * {@link IllegalArgumentException} with a message that starts with the offending key, e.g. {@code
 * "sampling_percentage: 150 (expected: 0 < value <= 100)"}.
 *
 * @param <O> the options record
 */
public interface PolicyProvider<O extends Record> {

  /** The policy type as written in the {@code type:} key of a policy entry. */
  String type();

  /** The record the remaining keys of the policy entry bind to. */
  Class<O> optionsType();

  /** Creates a policy from validated options. */
  Policy create(O options);
}
