// The mock provider as a process, for recorders in other languages (the Java recorder):
// node lib/mock-serve.mjs '<replies as JSON>' prints the server origin on one line, answers
// until its stdin closes, then exits.
import { startMockProvider } from './mock-provider.mjs';

const mock = await startMockProvider(JSON.parse(process.argv[2]));
process.stdout.write(`${mock.origin}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await mock.close();
  process.exit(0);
});
