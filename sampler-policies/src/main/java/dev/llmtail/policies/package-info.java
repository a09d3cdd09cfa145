/**
 * The sampling policies shipped with llmtail, each a {@link dev.llmtail.core.PolicyProvider}
 * registered with {@link java.util.ServiceLoader}; the class name says the YAML {@code type}.
 */
package dev.llmtail.policies;
