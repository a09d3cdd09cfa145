/**
 * Reading LLM calls and evaluation results out of spans and log records once, whatever the dialect,
 * for every policy: {@link dev.llmtail.policies.genai.GenAiNormalizer} and the readers it delegates
 * to. Not an API for third-party policies, which read {@link dev.llmtail.core.LlmCall} and {@link
 * dev.llmtail.core.Evaluation} from the {@link dev.llmtail.core.TraceView}: the public types here
 * are public only for llmtail's own wiring (the normaliser) and for the shipped policies in {@code
 * dev.llmtail.policies} ({@code SpanAttributes}, {@code CapturedInput}).
 */
@NullMarked
package dev.llmtail.policies.genai;

import org.jspecify.annotations.NullMarked;
