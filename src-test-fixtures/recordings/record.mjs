// Regenerates every recording under recorded/: each library in each capture mode, one process
// each. Needs the packages of package-lock.json (npm ci); no network at run time.
// Usage: node record.mjs [out-dir] (default: ../recorded)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LIBRARIES } from './lib/libraries.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = process.argv[2] ?? `${here}../recorded`;
let failed = 0;
for (const library of Object.keys(LIBRARIES)) {
  for (const mode of ['defaults', 'on', 'off']) {
    const r = spawnSync(process.execPath, [`${here}lib/run-library.mjs`, library, mode, outDir], {
      stdio: 'inherit',
      timeout: 300_000,
    });
    if (r.status !== 0) {
      console.error(`${library} ${mode}: exit ${r.status ?? r.signal}`);
      failed++;
    }
  }
}
process.exit(failed === 0 ? 0 : 1);
