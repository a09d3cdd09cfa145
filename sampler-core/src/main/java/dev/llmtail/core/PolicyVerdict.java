package dev.llmtail.core;

/** The verdict of one named policy, as recorded in a {@link Decision}. */
public record PolicyVerdict(String policy, String type, Verdict verdict) {}
