/**
 * `npm run bench`: every benchmark suite in one run. Suites live in bench/suites/*.ts and export
 * `run(options)`; pass suite names to run only those (`npm run bench -- memory`), `--quick` for a short run.
 */

import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options every suite receives. */
export interface BenchOptions {
  /** A short run for development. */
  quick: boolean;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const dir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => basename(f, '.ts'))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

for (const name of suites) {
  console.log(`\n## ${name}\n`);
  const mod = (await import(join(dir, `${name}.ts`))) as { run(options: BenchOptions): Promise<void> };
  await mod.run({ quick });
}
