/**
 * `npm run bench`: every benchmark suite in one run. Suites live in bench/suites/*.ts and export
 * `run(options)`; pass suite names to run only those (`npm run bench -- memory`), `--quick` for a short run.
 */

import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options every suite receives. */
export interface BenchOptions {
  /** A short run for development. */
  quick: boolean;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const here = fileURLToPath(import.meta.url);
// `.js` when run compiled (npm run bench), `.ts` when run from source with tsx.
const ext = extname(here);
const dir = join(dirname(here), 'suites');
const suites = readdirSync(dir)
  .filter((f) => f.endsWith(ext) && !f.endsWith(`.d${ext}`))
  .map((f) => basename(f, ext))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

for (const name of suites) {
  console.log(`\n## ${name}\n`);
  const mod = (await import(join(dir, `${name}${ext}`))) as { run(options: BenchOptions): Promise<void> };
  await mod.run({ quick });
}
