package llmtail.recorder;

import java.util.List;

/**
 * One chat call as the app makes it: the model asked for, an optional system prompt, the user
 * turns (an agent loop sends the growing history), streamed or not, an optional max_tokens, and
 * an abort after some milliseconds of streaming (the user pressed stop).
 */
record Call(
    String model,
    String system,
    List<String> turns,
    boolean stream,
    Integer maxTokens,
    long abortAfterMs,
    int maxRetries) {

  static Call of(String prompt) {
    return new Call("gpt-4o", null, List.of(prompt), false, null, 0, 2);
  }

  Call model(String m) {
    return new Call(m, system, turns, stream, maxTokens, abortAfterMs, maxRetries);
  }

  Call system(String s) {
    return new Call(model, s, turns, stream, maxTokens, abortAfterMs, maxRetries);
  }

  Call turns(List<String> t) {
    return new Call(model, system, t, stream, maxTokens, abortAfterMs, maxRetries);
  }

  Call streamed() {
    return new Call(model, system, turns, true, maxTokens, abortAfterMs, maxRetries);
  }

  Call maxTokens(int n) {
    return new Call(model, system, turns, stream, n, abortAfterMs, maxRetries);
  }

  Call abortAfter(long ms) {
    return new Call(model, system, turns, stream, maxTokens, ms, maxRetries);
  }

  Call noRetries() {
    return new Call(model, system, turns, stream, maxTokens, abortAfterMs, 0);
  }
}
