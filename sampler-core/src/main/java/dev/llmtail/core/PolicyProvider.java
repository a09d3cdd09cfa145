package dev.llmtail.core;

import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One policy type as the configuration sees it: the {@code type} name used in YAML, the record its
 * options bind to, and the factory that makes a {@link Policy} from bound options. Created with
 * {@link #of}, listed by a {@link PolicyLibrary}. Immutable and thread-safe.
 *
 * <p>The options type is a record whose components are bound from snake_case YAML keys (a missing
 * key binds {@code null}, so components are boxed types that the constructor defaults); its
 * constructor validates the values and throws {@link IllegalArgumentException} with a message that
 * starts with the offending key, e.g. {@code "sampling_percentage: 150 (expected: 0 < value <=
 * 100)"}. The factory may throw the same way for checks that need more than one record (a price
 * file that cannot be read, a CEL expression that does not compile).
 *
 * @param <O> the options record
 */
public final class PolicyProvider<O extends Record> {

  private static final Pattern TYPE_NAME = Pattern.compile("[a-z][a-z0-9_-]*");

  private final String type;
  private final Class<O> optionsType;
  private final Function<? super O, ? extends Policy> factory;

  private PolicyProvider(
      String type, Class<O> optionsType, Function<? super O, ? extends Policy> factory) {
    this.type = type;
    this.optionsType = optionsType;
    this.factory = factory;
  }

  /**
   * A policy type named {@code type} whose entries bind to {@code optionsType} and become policies
   * through {@code factory}, e.g. {@code PolicyProvider.of("long-prompt",
   * LongPromptPolicy.Options.class, LongPromptPolicy::new)}.
   *
   * @throws IllegalArgumentException if {@code type} is not lower case letters, digits, {@code _}
   *     and {@code -}, starting with a letter
   */
  public static <O extends Record> PolicyProvider<O> of(
      String type, Class<O> optionsType, Function<? super O, ? extends Policy> factory) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(optionsType, "optionsType");
    Objects.requireNonNull(factory, "factory");
    if (!TYPE_NAME.matcher(type).matches()) {
      throw new IllegalArgumentException(
          "type: '"
              + type
              + "' (expected: lower case letters, digits, '_' or '-', starting with a letter,"
              + " e.g. long-prompt)");
    }
    return new PolicyProvider<>(type, optionsType, factory);
  }

  /** The policy type as written in the {@code type:} key of a policy entry. */
  public String type() {
    return type;
  }

  /** The record the remaining keys of the policy entry bind to. */
  public Class<O> optionsType() {
    return optionsType;
  }

  /**
   * Creates a policy from validated options.
   *
   * @throws IllegalArgumentException if the options are refused, with a message that starts with
   *     the offending key
   */
  public Policy create(O options) {
    return Objects.requireNonNull(
        factory.apply(Objects.requireNonNull(options, "options")),
        () -> "policy type '" + type + "' made no policy (expected: its factory returns one)");
  }

  @Override
  public String toString() {
    return "policy type " + type + " (options " + optionsType.getName() + ")";
  }
}
