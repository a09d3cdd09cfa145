// A local OpenAI-compatible chat completions server: answers, SSE streams, errors, cut streams.
// Each request takes the next scripted reply (the last one repeats). Loopback only, port 0.
import http from 'node:http';

let seq = 0;

/**
 * reply fields: status (HTTP, default 200), model (answering model), content, refusal,
 * finish ('stop' | 'length' | 'content_filter' | 'tool_calls'), usage {prompt, completion,
 * cached, reasoning}, toolCall {name, args}, cut ('reset' | 'eof' | 'hang') for streams.
 */
export async function startMockProvider(replies) {
  const requests = [];
  let i = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      const request = body ? JSON.parse(body) : {};
      requests.push(request);
      const reply = replies[Math.min(i++, replies.length - 1)];
      if (req.url.endsWith('/embeddings')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const inputs = Array.isArray(request.input) ? request.input : [request.input];
        res.end(JSON.stringify({ object: 'list', model: request.model, usage: { prompt_tokens: 4, total_tokens: 4 },
          data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })) }));
        return;
      }
      if (req.url.endsWith('/messages')) answerAnthropic(request, reply, req, res);
      else answer(request, reply, req, res);
    });
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise(r => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

function answer(request, reply, req, res) {
  const status = reply.status ?? 200;
  if (status !== 200) {
    res.writeHead(status, { 'content-type': 'application/json', 'retry-after-ms': '10' });
    res.end(
      JSON.stringify({
        error: {
          message: status === 429 ? 'Rate limit reached for requests' : 'The server had an error',
          type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
          code: status === 429 ? 'rate_limit_exceeded' : null,
        },
      }),
    );
    return;
  }
  const id = `chatcmpl-mock${++seq}`;
  const model = reply.model ?? request.model;
  const usage = {
    prompt_tokens: reply.usage?.prompt ?? 42,
    completion_tokens: reply.usage?.completion ?? 17,
    total_tokens: (reply.usage?.prompt ?? 42) + (reply.usage?.completion ?? 17),
    prompt_tokens_details: { cached_tokens: reply.usage?.cached ?? 0 },
    completion_tokens_details: { reasoning_tokens: reply.usage?.reasoning ?? 0 },
  };
  const finish = reply.finish ?? (reply.toolCall ? 'tool_calls' : 'stop');
  const toolCalls = reply.toolCall
    ? [
        {
          id: `call_${seq}`,
          type: 'function',
          function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.args) },
        },
      ]
    : undefined;
  const created = Math.floor(Date.now() / 1000);
  if (!request.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.refusal ? null : toolCalls ? null : (reply.content ?? ''),
              refusal: reply.refusal ?? null,
              ...(toolCalls ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: finish,
          },
        ],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta, finishReason, extra = {}) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason ?? null }],
      ...extra,
    })}\n\n`;
  const text = reply.content ?? '';
  const words = text.split(/(?<= )/);
  const half = Math.max(1, Math.floor(words.length / 2));
  res.write(chunk({ role: 'assistant', content: '' }));
  if (reply.refusal) {
    res.write(chunk({ refusal: reply.refusal }));
  } else if (toolCalls) {
    res.write(chunk({ tool_calls: [{ index: 0, ...toolCalls[0] }] }));
  } else {
    for (const w of words.slice(0, half)) res.write(chunk({ content: w }));
  }
  if (reply.cut === 'reset') {
    setTimeout(() => req.socket.destroy(), 20);
    return;
  }
  if (reply.cut === 'eof') {
    setTimeout(() => res.end(), 20);
    return;
  }
  if (reply.cut === 'hang') {
    // The client aborts; keep the socket open until it does.
    const timer = setInterval(() => res.write(': keep-alive\n\n'), 20);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if (!toolCalls && !reply.refusal) for (const w of words.slice(half)) res.write(chunk({ content: w }));
  res.write(chunk({}, finish));
  if (request.stream_options?.include_usage) {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
  }
  res.write('data: [DONE]\n\n');
  res.end();
}

const ANTHROPIC_STOP = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' };

/** The same scripted reply as an Anthropic Messages API answer (POST /v1/messages), streamed or not. */
function answerAnthropic(request, reply, req, res) {
  const status = reply.status ?? 200;
  if (status !== 200) {
    res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
    res.end(JSON.stringify({ type: 'error', error: { type, message: status === 429 ? 'Rate limit reached' : 'Internal server error' } }));
    return;
  }
  const id = `msg_mock${++seq}`;
  const model = reply.model ?? request.model;
  const input = reply.usage?.prompt ?? 42;
  const output = reply.usage?.completion ?? 17;
  const stop = reply.refusal ? 'refusal' : ANTHROPIC_STOP[reply.finish ?? (reply.toolCall ? 'tool_calls' : 'stop')];
  const text = reply.refusal ?? reply.content ?? '';
  const usage = { input_tokens: input, output_tokens: output, cache_read_input_tokens: reply.usage?.cached ?? 0 };
  const toolUse = reply.toolCall ? { type: 'tool_use', id: `toolu_${seq}`, name: reply.toolCall.name, input: reply.toolCall.args } : null;
  if (!request.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const content = toolUse ? [toolUse] : [{ type: 'text', text }];
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  res.write(event('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }));
  res.write(event('content_block_start', { index: 0, content_block: toolUse ? { ...toolUse, input: {} } : { type: 'text', text: '' } }));
  const words = text.split(/(?<= )/);
  const half = Math.max(1, Math.floor(words.length / 2));
  if (toolUse) res.write(event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(toolUse.input) } }));
  else for (const w of words.slice(0, half)) res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } }));
  if (reply.cut === 'reset') return void setTimeout(() => req.socket.destroy(), 20);
  if (reply.cut === 'eof') return void setTimeout(() => res.end(), 20);
  if (reply.cut === 'hang') {
    const timer = setInterval(() => res.write(event('ping', {})), 20);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if (!toolUse) for (const w of words.slice(half)) res.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } }));
  res.write(event('content_block_stop', { index: 0 }));
  res.write(event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: output } }));
  res.write(event('message_stop', {}));
  res.end();
}
