/**
 * The sampling policies shipped with llmtail: one package-private class per policy type, the class
 * name saying the YAML {@code type}, each with its options record and a {@link
 * dev.llmtail.core.PolicyProvider} made with {@link dev.llmtail.core.PolicyProvider#of}. {@link
 * dev.llmtail.policies.ShippedPolicies} lists them for {@link java.util.ServiceLoader}.
 */
@NullMarked
package dev.llmtail.policies;

import org.jspecify.annotations.NullMarked;
