// Records every scenario for one library in one capture mode (one process: instrumentations
// patch modules once). Usage: node lib/run-library.mjs <library> <defaults|on|off> <out-dir>
import path from 'node:path';
import { startCapture } from './capture.mjs';
import { startMockProvider } from './mock-provider.mjs';
import { LIBRARIES, SkipCase } from './libraries.mjs';
import { SCENARIOS, tracer } from './scenarios.mjs';

const [libraryName, mode, outDir] = process.argv.slice(2);
const library = LIBRARIES[libraryName];
if (!library || !['defaults', 'on', 'off'].includes(mode) || !outDir) {
  console.error(`usage: run-library.mjs <${Object.keys(LIBRARIES).join('|')}> <defaults|on|off> <out-dir>`);
  process.exit(2);
}
// Some instrumentations rethrow a cut stream's error outside the app's await (seen with a socket
// reset): note it and go on, as a server with a process-level handler would.
let stray = '';
process.on('uncaughtException', e => (stray = ` (uncaught: ${e?.name} ${e?.message})`));
process.on('unhandledRejection', e => (stray = ` (unhandled rejection: ${e?.name} ${e?.message})`));
const timeout = ms => new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer after ${ms} ms`)), ms));
const capture = startCapture();
const lib = await library.setup(mode);
const only = process.env.SCENARIOS ? process.env.SCENARIOS.split(',') : null;
for (const scenario of SCENARIOS) {
  if (only && !only.includes(scenario.name)) continue;
  if (scenario.embeddings && !lib.embed) continue;
  const mock = await startMockProvider(scenario.replies);
  let outcome = 'completed';
  let skipped = null;
  stray = '';
  const traceId = await tracer().startActiveSpan('POST /support/chat', { kind: 1 }, async root => {
    try {
      await Promise.race([scenario.run(lib, mock.baseURL), timeout(5000)]);
    } catch (e) {
      if (e instanceof SkipCase) skipped = e.message;
      outcome = `failed: ${e?.name ?? ''} ${String(e?.message ?? e).slice(0, 80)}`;
    } finally {
      root.end();
    }
    return root.spanContext().traceId;
  });
  await new Promise(r => setTimeout(r, 300)); // let aborted streams settle, as they would live
  await mock.close();
  if (skipped) {
    console.log(`${libraryName} ${scenario.name}: not recorded: ${skipped}`);
    continue;
  }
  const file = path.join(outDir, libraryName, `${scenario.name}.${mode}.json`);
  const override =
    scenario.expectedBy?.[libraryName] ??
    (mode === 'off' && scenario.needsContent?.includes(libraryName)
      ? { expected: 'unobservable', what: `${scenario.what}; visible only in captured content, which privacy mode leaves out` }
      : undefined);
  const counts = await capture.write(file, traceId, {
    case: scenario.name,
    expected: override?.expected ?? scenario.expected,
    what: override?.what ?? scenario.what,
    source: libraryName,
    library: library.library,
    library_version: library.version(),
    capture_mode: mode,
    app_outcome: outcome + stray,
  });
  console.log(`${file}: ${counts.spans} spans, ${counts.logs} log records (${outcome})`);
}
process.exit(0);
