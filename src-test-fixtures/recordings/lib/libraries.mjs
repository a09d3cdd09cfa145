// One adapter per instrumented library: set up its instrumentation for a capture mode, then make
// chat calls against the mock provider the way an application using that library would.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

const modules = fileURLToPath(new URL('../node_modules/', import.meta.url));
export const versionOf = pkg =>
  JSON.parse(fs.readFileSync(`${modules}${pkg}/package.json`, 'utf8')).version;

/** HTTP client spans below the LLM spans: where SDK-internal retries become visible. */
function httpSpans() {
  registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
}

/** Thrown when a library cannot record a case; run-library.mjs writes no file for it. */
export class SkipCase extends Error {}

const weatherTool = {
  type: 'function',
  function: {
    name: 'lookup_order',
    description: 'Looks up an order by number',
    parameters: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
  },
};

/** The openai client, as an app drives it: a manual tool loop, streams consumed to the end. */
async function openAiClientCall(OpenAI, baseURL, o) {
  const client = new OpenAI({ apiKey: 'sk-mock', baseURL, maxRetries: o.maxRetries ?? 2 });
  const messages = [...(o.system ? [{ role: 'system', content: o.system }] : []), { role: 'user', content: o.prompt }];
  const controller = new AbortController();
  if (o.abortAfterMs) setTimeout(() => controller.abort(), o.abortAfterMs);
  for (let step = 0; step < 8; step++) {
    const request = {
      model: o.model,
      messages,
      ...(o.maxTokens ? { max_tokens: o.maxTokens } : {}),
      ...(o.tools ? { tools: [weatherTool] } : {}),
    };
    if (o.stream) {
      const stream = await client.chat.completions.create(
        { ...request, stream: true, stream_options: { include_usage: true } },
        { signal: controller.signal },
      );
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      return text;
    }
    const r = await client.chat.completions.create(request, { signal: controller.signal });
    const m = r.choices[0].message;
    if (!m.tool_calls) return m.content;
    messages.push(m);
    for (const call of m.tool_calls) {
      messages.push({ role: 'tool', tool_call_id: call.id, content: '{"status":"shipped"}' });
    }
  }
}

async function openAiEmbeddings(OpenAI, baseURL, o) {
  const client = new OpenAI({ apiKey: 'sk-mock', baseURL });
  for (const input of o.inputs) await client.embeddings.create({ model: o.model, input });
}

export const LIBRARIES = {
  'openai-openinference': {
    library: 'openai (npm) + @arizeai/openinference-instrumentation-openai',
    version: () =>
      `openai ${versionOf('openai')}, openinference-instrumentation-openai ${versionOf('@arizeai/openinference-instrumentation-openai')}`,
    async setup(mode) {
      const { default: OpenAI } = await import('openai');
      const { OpenAIInstrumentation } = await import('@arizeai/openinference-instrumentation-openai');
      const hide = mode === 'off';
      new OpenAIInstrumentation(
        mode === 'defaults' ? {} : { traceConfig: { hideInputs: hide, hideOutputs: hide } },
      ).manuallyInstrument(OpenAI);
      httpSpans();
      return {
        call: (baseURL, o) => openAiClientCall(OpenAI, baseURL, o),
        embed: (baseURL, o) => openAiEmbeddings(OpenAI, baseURL, o),
      };
    },
  },
  'openai-traceloop': {
    library: 'openai (npm) + @traceloop/instrumentation-openai',
    version: () =>
      `openai ${versionOf('openai')}, @traceloop/instrumentation-openai ${versionOf('@traceloop/instrumentation-openai')}`,
    async setup(mode) {
      const { default: OpenAI } = await import('openai');
      const { OpenAIInstrumentation } = await import('@traceloop/instrumentation-openai');
      const instrumentation = new OpenAIInstrumentation(
        mode === 'defaults' ? {} : { traceContent: mode === 'on' },
      );
      instrumentation.manuallyInstrument(OpenAI);
      httpSpans();
      return {
        call: (baseURL, o) => openAiClientCall(OpenAI, baseURL, o),
        embed: (baseURL, o) => openAiEmbeddings(OpenAI, baseURL, o),
      };
    },
  },
  'ai-sdk-v6': {
    library: 'ai (Vercel AI SDK v6, experimental_telemetry) + @ai-sdk/openai v3',
    version: () => `ai ${versionOf('ai-v6')}, @ai-sdk/openai ${versionOf('ai-sdk-openai-v3')}`,
    async setup(mode) {
      const ai = await import('ai-v6');
      const { createOpenAI } = await import('ai-sdk-openai-v3');
      httpSpans();
      const telemetry = {
        isEnabled: true,
        ...(mode === 'defaults' ? {} : { recordInputs: mode === 'on', recordOutputs: mode === 'on' }),
      };
      return {
        call: (baseURL, o) => aiSdkCall(ai, createOpenAI, baseURL, o, { experimental_telemetry: telemetry }),
        embed: async (baseURL, o) => {
          const provider = createOpenAI({ apiKey: 'sk-mock', baseURL });
          for (const input of o.inputs) {
            await ai.embed({ model: provider.embedding(o.model), value: input, experimental_telemetry: telemetry });
          }
        },
      };
    },
  },
  'ai-sdk-v7': {
    library: 'ai (Vercel AI SDK v7) + @ai-sdk/otel + @ai-sdk/openai v4',
    version: () =>
      `ai ${versionOf('ai')}, @ai-sdk/otel ${versionOf('@ai-sdk/otel')}, @ai-sdk/openai ${versionOf('@ai-sdk/openai')}`,
    async setup(mode) {
      const ai = await import('ai');
      const { OpenTelemetry } = await import('@ai-sdk/otel');
      const { createOpenAI } = await import('@ai-sdk/openai');
      ai.registerTelemetry(new OpenTelemetry());
      httpSpans();
      const telemetry = mode === 'defaults' ? {} : { recordInputs: mode === 'on', recordOutputs: mode === 'on' };
      return {
        call: (baseURL, o) => aiSdkCall(ai, createOpenAI, baseURL, o, { telemetry }),
        embed: async (baseURL, o) => {
          const provider = createOpenAI({ apiKey: 'sk-mock', baseURL });
          for (const input of o.inputs) {
            await ai.embed({ model: provider.embedding(o.model), value: input, telemetry });
          }
        },
      };
    },
  },
  'langchain-openinference': {
    library: '@langchain/openai + @arizeai/openinference-instrumentation-langchain + -openai',
    version: () =>
      `@langchain/openai ${versionOf('@langchain/openai')}, @langchain/core ${versionOf('@langchain/core')}, openinference-instrumentation-langchain ${versionOf('@arizeai/openinference-instrumentation-langchain')}, openinference-instrumentation-openai ${versionOf('@arizeai/openinference-instrumentation-openai')}`,
    async setup(mode) {
      const { default: OpenAI } = await import('openai');
      const { OpenAIInstrumentation } = await import('@arizeai/openinference-instrumentation-openai');
      const { LangChainInstrumentation } = await import('@arizeai/openinference-instrumentation-langchain');
      const callbacks = await import('@langchain/core/callbacks/manager');
      const hide = mode === 'off';
      const config = mode === 'defaults' ? {} : { traceConfig: { hideInputs: hide, hideOutputs: hide } };
      new OpenAIInstrumentation(config).manuallyInstrument(OpenAI);
      new LangChainInstrumentation(config).manuallyInstrument(callbacks);
      httpSpans();
      const { ChatOpenAI } = await import('@langchain/openai');
      const { HumanMessage, SystemMessage, ToolMessage } = await import('@langchain/core/messages');
      return {
        async call(baseURL, o) {
          // ChatOpenAI streaming under both OpenInference instrumentations never resolved
          // (5 s timeout) in our runs: streamed cases are not recorded for this layer.
          if (o.stream) throw new SkipCase('streaming hangs under this instrumentation pair');
          const model = new ChatOpenAI({
            model: o.model,
            apiKey: 'sk-mock',
            configuration: { baseURL },
            streaming: !!o.stream,
            maxRetries: o.maxRetries ?? 2,
            ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
          });
          const llm = o.tools ? model.bindTools([weatherTool]) : model;
          const messages = [...(o.system ? [new SystemMessage(o.system)] : []), new HumanMessage(o.prompt)];
          const controller = new AbortController();
          if (o.abortAfterMs) setTimeout(() => controller.abort(), o.abortAfterMs);
          for (let step = 0; step < 8; step++) {
            const m = await llm.invoke(messages, { signal: controller.signal });
            if (!m.tool_calls?.length) return m.content;
            messages.push(m);
            for (const call of m.tool_calls) {
              messages.push(new ToolMessage({ tool_call_id: call.id, content: '{"status":"shipped"}' }));
            }
          }
        },
        embed: null,
      };
    },
  },
};

async function aiSdkCall(ai, createOpenAI, baseURL, o, telemetryOption) {
  const provider = createOpenAI({ apiKey: 'sk-mock', baseURL });
  const controller = new AbortController();
  if (o.abortAfterMs) setTimeout(() => controller.abort(), o.abortAfterMs);
  const args = {
    model: provider.chat(o.model),
    ...(o.system ? { system: o.system } : {}),
    prompt: o.prompt,
    maxRetries: o.maxRetries ?? 2,
    abortSignal: controller.signal,
    ...(o.maxTokens ? { maxOutputTokens: o.maxTokens } : {}),
    ...(o.tools
      ? {
          tools: {
            lookup_order: ai.tool({
              description: 'Looks up an order by number',
              inputSchema: ai.jsonSchema({ type: 'object', properties: { order: { type: 'string' } } }),
              execute: async () => ({ status: 'shipped' }),
            }),
          },
          stopWhen: ai.stepCountIs(8),
        }
      : {}),
    ...telemetryOption,
  };
  if (o.stream) {
    let failure;
    const result = ai.streamText({ ...args, onError: ({ error }) => (failure = error) });
    let text = '';
    for await (const part of result.textStream) text += part;
    if (failure) throw failure;
    return text;
  }
  return (await ai.generateText(args)).text;
}
