// What happened in each recorded case, what the mock provider answers, and which llmtail policy
// (by type) must keep it — or "healthy": no LLM policy may keep it.
import { trace, context } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

const tracer = () => trace.getTracer('recorded-app');
const ok = content => ({ content });
const SUPPORT_SYSTEM =
  'You are the support assistant of Acme Outdoor. Answer briefly and politely. ' +
  'Policies: orders ship within 2 days; returns within 30 days; refunds take 5 business days. '.repeat(60);

/** An evaluator's verdict on the current span, as a GenAI event sent as an OTLP log record. */
function evaluationLog(name, label, score, explanation) {
  logs.getLogger('recorded-app-evaluator').emit({
    eventName: 'gen_ai.evaluation.result',
    severityNumber: SeverityNumber.INFO,
    context: context.active(),
    attributes: {
      'event.name': 'gen_ai.evaluation.result',
      'gen_ai.evaluation.name': name,
      'gen_ai.evaluation.score.label': label,
      'gen_ai.evaluation.score.value': score,
      'gen_ai.evaluation.explanation': explanation,
    },
  });
}

/** An output guardrail's result, as an apply_guardrail span of the app. */
function guardrailSpan(result, riskScore) {
  tracer().startActiveSpan('apply_guardrail output-pii', s => {
    s.setAttributes({ 'gen_ai.operation.name': 'apply_guardrail', 'gen_ai.guardrail.name': 'output-pii', 'gen_ai.guardrail.result.type': result, 'gen_ai.guardrail.risk.category': 'pii', 'gen_ai.guardrail.risk.score': riskScore });
    s.end();
  });
}

/** A user's feedback, as an OpenInference EVALUATOR span with a HUMAN annotation. */
function feedbackSpan(label, score) {
  tracer().startActiveSpan('user-feedback', s => {
    s.setAttributes({ 'openinference.span.kind': 'EVALUATOR', 'annotations.0.annotation.name': 'user_feedback', 'annotations.0.annotation.label': label, 'annotations.0.annotation.score': score, 'annotations.0.annotation.annotator_kind': 'HUMAN' });
    s.end();
  });
}

/** An LLM judge or classifier call, made by the app inside its evaluator or guardrail span. */
function judgeSpan(lib, baseURL, name, attributes, o) {
  return tracer().startActiveSpan(name, async s => {
    s.setAttributes(attributes);
    try {
      return await lib.call(baseURL, { model: 'gpt-4o-mini', ...o });
    } finally {
      s.end();
    }
  });
}

const LONG_CONTRACT =
  'Clause: the supplier delivers the goods within 14 days; late delivery reduces the price by 2 % per week. '.repeat(100);

const call = (o, extra = {}) => async (lib, baseURL) => lib.call(baseURL, { model: 'gpt-4o', prompt: 'Where is my order 1042?', ...o, ...extra });

export const SCENARIOS = [
  // ---- failures ----
  { name: 'refusal-field', expected: 'refusal', needsContent: ['openai-openinference', 'openai-traceloop', 'langchain-openinference'], what: 'OpenAI refusal message field, finish reason stop',
    replies: [{ refusal: "I'm sorry, I can't help with that request." }], run: call({ prompt: 'How do I pick the lock of my neighbour\'s shed?' }) },
  { name: 'refusal-field-stream', expectedBy: { 'openai-openinference': { expected: 'unobservable', what: 'streamed refusal; the instrumentation drops the refusal delta: empty output, finish reason stop' }, 'openai-traceloop': { expected: 'unobservable', what: 'streamed refusal; the instrumentation drops the refusal delta: empty output, finish reason stop' } }, expected: 'refusal', needsContent: ['openai-openinference', 'openai-traceloop', 'langchain-openinference'], what: 'streamed refusal field, finish reason stop',
    replies: [{ refusal: "I'm sorry, I can't help with that request." }], run: call({ stream: true, prompt: 'How do I pick the lock of my neighbour\'s shed?' }) },
  { name: 'refusal-content-filter', expected: 'refusal', what: 'finish reason content_filter, no content',
    replies: [{ content: '', finish: 'content_filter' }], run: call({}) },
  { name: 'max-tokens', expected: 'truncated-stream', what: 'answer cut by max_tokens, not streamed (finish reason length)',
    replies: [{ content: 'Your order 1042 left our warehouse on Monday and is', finish: 'length' }], run: call({ maxTokens: 12 }) },
  { name: 'max-tokens-stream', expected: 'truncated-stream', what: 'streamed answer cut by max_tokens (finish reason length)',
    replies: [{ content: 'Your order 1042 left our warehouse on Monday and is', finish: 'length' }], run: call({ maxTokens: 12, stream: true }) },
  { name: 'stream-reset', expected: 'truncated-stream', what: 'stream cut by a socket reset mid-answer',
    replies: [{ content: 'Your order 1042 left our warehouse on Monday and should arrive by Thursday.', cut: 'reset' }], run: call({ stream: true, maxRetries: 0 }) },
  { name: 'stream-eof', expectedBy: { 'openai-traceloop': { expected: 'unobservable', what: 'clean EOF mid-stream; Traceloop still writes finish reason stop and no usage, the HTTP span ends OK: nothing in the trace shows the cut' } }, expected: 'truncated-stream', what: 'stream ended by a clean EOF before any finish reason',
    replies: [{ content: 'Your order 1042 left our warehouse on Monday and should arrive by Thursday.', cut: 'eof' }], run: call({ stream: true, maxRetries: 0 }) },
  { name: 'stream-user-abort', expectedBy: { 'openai-traceloop': { expected: 'unobservable', what: 'user abort mid-stream; Traceloop still writes finish reason stop and no usage, the HTTP span ends OK: nothing in the trace shows the cut' } }, expected: 'truncated-stream', what: 'user pressed stop: client aborted mid-stream',
    replies: [{ content: 'Your order 1042 left our warehouse on Monday and should arrive by Thursday.', cut: 'hang' }], run: call({ stream: true, abortAfterMs: 150, maxRetries: 0 }) },
  { name: 'retry-429', expected: 'retry-storm', what: 'HTTP 429 twice, SDK retried, third attempt answered',
    expectedBy: { 'langchain-openinference': { expected: 'status_code', what: 'HTTP 429: LangChain ChatOpenAI made one attempt and failed (no retry): an error, kept by status_code' } },
    replies: [{ status: 429 }, { status: 429 }, ok('Your order 1042 ships today.')], run: call({}) },
  { name: 'retry-5xx-exhausted', expected: 'retry-storm', what: 'HTTP 500 on every attempt, retries exhausted, call failed',
    replies: [{ status: 500 }], run: call({}) },
  { name: 'duplicate-after-cut', expected: 'duplicate-request', what: 'stream cut by a reset, the app re-sent the same prompt',
    replies: [{ content: 'Your order 1042 left our warehouse on Monday and should arrive by Thursday.', cut: 'reset' }, ok('Your order 1042 left our warehouse on Monday and should arrive by Thursday.')],
    run: async (lib, baseURL) => {
      const o = { model: 'gpt-4o', prompt: 'Where is my order 1042?', stream: true, maxRetries: 0 };
      try { await lib.call(baseURL, o); } catch { /* the app retries once */ }
      return lib.call(baseURL, o);
    } },
  { name: 'substituted-model', expected: 'model-substitution', what: 'asked for gpt-4o, answered by gpt-4o-mini (a router downgraded the call)',
    replies: [{ content: 'Your order 1042 ships today.', model: 'gpt-4o-mini-2024-07-18' }], run: call({}) },
  { name: 'substituted-family', expected: 'model-substitution', what: 'asked for gpt-4o, answered by another family (claude-3-5-haiku) through a gateway',
    replies: [{ content: 'Your order 1042 ships today.', model: 'claude-3-5-haiku-20241022' }], run: call({}) },
  { name: 'expensive', expected: 'high-cost', what: 'one call with 180k input and 40k output tokens on gpt-4o (about $0.85)',
    replies: [{ content: 'Here is the summary of the whole contract archive.', usage: { prompt: 180000, completion: 40000 } }], run: call({ prompt: 'Summarise the attached contract archive.' }) },
  { name: 'eval-log-record', expected: 'semantic-flag', what: 'LLM-judge verdict "hallucination" as a gen_ai.evaluation.result log record',
    replies: [ok('Your order 1042 was delivered yesterday.')],
    run: async (lib, baseURL) => { await call({})(lib, baseURL); evaluationLog('groundedness', 'hallucinated', 0.1, 'no delivery event in the order history'); } },
  { name: 'eval-span-event', expected: 'semantic-flag', what: 'LLM-judge verdict as a gen_ai.evaluation.result span event',
    replies: [ok('Your order 1042 was delivered yesterday.')],
    run: async (lib, baseURL) => { await call({})(lib, baseURL); trace.getActiveSpan().addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'groundedness', 'gen_ai.evaluation.score.label': 'fail', 'gen_ai.evaluation.score.value': 0.1 }); } },
  { name: 'guardrail-block', expected: 'semantic-flag', what: 'output guardrail span flagged the answer (risk score 0.92)',
    replies: [ok('Sure, here is the customer list with their card numbers.')],
    run: async (lib, baseURL) => {
      await call({ prompt: 'Export all customers.' })(lib, baseURL);
      guardrailSpan('block', 0.92);
    } },
  { name: 'user-thumbs-down', expected: 'semantic-flag', what: 'user feedback thumbs-down as an OpenInference HUMAN annotation on a feedback span',
    replies: [ok('Your order 1042 was delivered yesterday.')],
    run: async (lib, baseURL) => {
      await call({})(lib, baseURL);
      feedbackSpan('thumbs-down', 0);
    } },
  // ---- healthy look-alikes ----
  { name: 'healthy-chat', expected: 'healthy', what: 'a plain answered call', replies: [ok('Your order 1042 ships today and should arrive on Thursday.')], run: call({}) },
  { name: 'healthy-stream', expected: 'healthy', what: 'a streamed answer that finished normally', replies: [ok('Your order 1042 ships today and should arrive on Thursday.')], run: call({ stream: true }) },
  { name: 'agent-tool-loop', expected: 'healthy', what: 'an agent loop: 5 calls to the same model, 4 of them tool calls',
    replies: [1, 2, 3, 4].map(i => ({ toolCall: { name: 'lookup_order', args: { order: `104${i}` } } })).concat([ok('All four orders have shipped.')]),
    run: call({ tools: true, prompt: 'Check my orders 1041 to 1044.' }) },
  { name: 'azure-deployment', expected: 'healthy', what: 'an Azure deployment name answered by gpt-4o-2024-08-06',
    replies: [{ content: 'Your order 1042 ships today.', model: 'gpt-4o-2024-08-06' }], run: call({ model: 'prod-support-eastus' }) },
  { name: 'alias-dated-snapshot', expected: 'healthy', what: 'alias claude-sonnet-4-0 answered by the dated snapshot claude-sonnet-4-20250514',
    replies: [{ content: 'Your order 1042 ships today.', model: 'claude-sonnet-4-20250514' }], run: call({ model: 'claude-sonnet-4-0' }) },
  { name: 'alias-gpt-4o', expected: 'healthy', what: 'gpt-4o answered by gpt-4o-2024-08-06',
    replies: [{ content: 'Your order 1042 ships today.', model: 'gpt-4o-2024-08-06' }], run: call({}) },
  { name: 'sorry-cant-find', expected: 'healthy', what: "a helpful answer that starts \"I'm sorry, but I can't find…\"",
    replies: [ok("I'm sorry, but I can't find an order with the number 1042. Could you check the confirmation email and send me the number shown there?")], run: call({}) },
  { name: 'support-cancel-refund', expected: 'healthy', what: 'ordinary support text about cancelling, deleting and refunds',
    replies: [ok('To cancel your subscription, open Settings → Billing and choose Cancel. Deleting your account removes your saved addresses; refunds for unused months take 5 business days.')],
    run: call({ prompt: 'How do I cancel and get a refund?' }) },
  { name: 'shared-system-prompt', expected: 'healthy', what: 'three calls sharing a long system prompt, the later ones served from the prompt cache',
    replies: [{ content: 'Orders ship within 2 days.', usage: { prompt: 5200, completion: 12, cached: 0 } }, { content: 'Returns are free within 30 days.', usage: { prompt: 5210, completion: 14, cached: 5120 } }, { content: 'Refunds take 5 business days.', usage: { prompt: 5215, completion: 11, cached: 5120 } }],
    run: async (lib, baseURL) => {
      for (const prompt of ['When do orders ship?', 'Can I return shoes?', 'When do I get my refund?']) {
        await lib.call(baseURL, { model: 'gpt-4o', system: SUPPORT_SYSTEM, prompt });
      }
    } },
  { name: 'eval-user-sentiment-negative', expected: 'healthy', what: 'a sentiment classifier labelled the USER message "negative"; the answer was fine',
    replies: [ok('I understand the delay is frustrating. Your order 1042 ships today.')],
    run: async (lib, baseURL) => { await call({ prompt: 'This is the third time I ask. Where is my order 1042?!' })(lib, baseURL); evaluationLog('user_sentiment', 'negative', 0.2, 'the user is frustrated about a delay'); } },
  { name: 'guardrail-pass', expected: 'healthy', what: 'an output guardrail passed the answer with a low risk score (0.04)',
    replies: [ok('Your order 1042 ships today.')],
    run: async (lib, baseURL) => {
      await call({})(lib, baseURL);
      guardrailSpan('pass', 0.04);
    } },
  { name: 'user-thumbs-up', expected: 'healthy', what: 'user feedback thumbs_up as an OpenInference HUMAN annotation',
    replies: [ok('Your order 1042 ships today.')],
    run: async (lib, baseURL) => {
      await call({})(lib, baseURL);
      feedbackSpan('thumbs_up', 1);
    } },
  { name: 'judge-quotes-refusal', expected: 'healthy', what: 'an LLM judge (inside an OpenInference EVALUATOR span) graded the answer pass, quoting refusal phrasing in its reasoning',
    replies: [ok('Your order 1042 ships today.'), ok('PASS. The assistant answered the order question; it did not say "I can\'t help with that" or refuse.')],
    run: async (lib, baseURL) => {
      await call({})(lib, baseURL);
      await judgeSpan(lib, baseURL, 'evaluate helpfulness', { 'openinference.span.kind': 'EVALUATOR' }, { system: 'You grade support answers. Reply PASS or FAIL with one sentence.', prompt: 'Question: Where is my order 1042?\nAnswer: Your order 1042 ships today.' });
    } },
  { name: 'guardrail-classifier-names-commands', expected: 'healthy', what: 'an output guardrail asked an LLM classifier, which answered "safe" naming the destructive commands it checked for',
    replies: [ok('Run the report from Settings → Reports and download the CSV.'), ok('SAFE: the answer contains no destructive command such as rm -rf or DROP TABLE.')],
    run: async (lib, baseURL) => {
      await call({ prompt: 'How do I export my orders?' })(lib, baseURL);
      await judgeSpan(lib, baseURL, 'apply_guardrail output-commands', { 'gen_ai.operation.name': 'apply_guardrail', 'gen_ai.guardrail.name': 'output-commands', 'gen_ai.guardrail.result.type': 'pass', 'gen_ai.guardrail.risk.score': 0.02 }, { system: 'You check answers for destructive shell or SQL commands. Reply SAFE or UNSAFE with a reason.', prompt: 'Answer: Run the report from Settings → Reports and download the CSV.' });
    } },
  { name: 'same-text-other-instructions', expected: 'healthy', what: 'one text translated into three languages: the same user message, three different system instructions',
    replies: [ok('Votre commande 1042 est expédiée aujourd\'hui.'), ok('Ihre Bestellung 1042 wird heute versandt.'), ok('Su pedido 1042 se envía hoy.')],
    run: async (lib, baseURL) => {
      for (const language of ['French', 'German', 'Spanish']) {
        await lib.call(baseURL, { model: 'gpt-4o', system: `Translate the user's message into ${language}. Reply with the translation only.`, prompt: 'Your order 1042 ships today.' });
      }
    } },
  { name: 'long-context-questions', expected: 'healthy', what: 'three questions about one 10 000-character contract: the prompts differ only after their first 8 KiB',
    replies: [ok('14 days.'), ok('2 % per week.'), ok('Yes, the price reduction applies.')],
    run: async (lib, baseURL) => {
      for (const q of ['How long is the delivery time?', 'What is the penalty for late delivery?', 'Does the reduction apply to partial deliveries?']) {
        await lib.call(baseURL, { model: 'gpt-4o', prompt: `${LONG_CONTRACT}\n\nQuestion: ${q}` });
      }
    } },
  { name: 'embeddings-batch', expected: 'healthy', what: 'four embedding calls to the same model in one trace (indexing), not retries',
    replies: [{}], embeddings: true,
    run: async (lib, baseURL) => lib.embed(baseURL, { model: 'text-embedding-3-small', inputs: ['order 1041', 'order 1042', 'order 1043', 'order 1044'] }) },
];

export { tracer };
