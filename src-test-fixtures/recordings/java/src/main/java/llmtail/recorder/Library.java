package llmtail.recorder;

/** An instrumented LLM client library, set up for one capture mode, talking to the mock. */
interface Library {
  /** Short name: the directory under recorded/. */
  String name();

  /** What the library is, for the llmtail.recording.library label. */
  String library();

  /** Versions of the library and its instrumentation. */
  String version();

  /** The model name a scenario's OpenAI model name stands for with this provider. */
  default String model(String openAiModel) {
    return openAiModel;
  }

  /** Makes the call against the mock provider at origin; throws what the library throws. */
  void call(String origin, Call call) throws Exception;
}
