/**
 * Every ```ts snippet of README.md, type-checked as written (strict, against the real modules) and run
 * on its own, on the memory backend: `etcd-kv-kit/etcd` is mapped to etcd-on-memory.ts for the run. A
 * snippet that imports vitest runs as a vitest test file. Each run must end by itself (a snippet that
 * leaves a backend, session or watch open keeps its process alive) with no error output.
 * The ```js snippet (CommonJS) and the named multi-file example run from the packed tarball instead
 * (tarball.test.ts); sh blocks are commands.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks } from './markdown.js';
import { root, sourceOf, subpaths } from './package-info.js';

const run = promisify(execFile);
const blocks = codeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const standalone = blocks.filter((b) => b.lang === 'ts' && b.name === '');
const dir = join(root, '.tmp', `readme-${process.pid}`);
const file = (i: number) => {
  const b = standalone[i]!;
  return `snippet-line-${b.line}${b.code.includes("from 'vitest'") ? '.test' : ''}.ts`;
};

/** Module specifier → file, for type-checking (real modules) or running (etcd on memory). */
function moduleMap(forRun: boolean): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { specifier, types } of subpaths()) map[specifier] = sourceOf(types);
  if (forRun) map['etcd-kv-kit/etcd'] = join(root, 'test/package/etcd-on-memory.ts');
  return map;
}

function tsconfig(forRun: boolean): object {
  const paths = Object.fromEntries(Object.entries(moduleMap(forRun)).map(([k, v]) => [k, [v]]));
  return {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'ESNext.Disposable', 'DOM'], // DOM: console, fetch, TextDecoder as users see them
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      paths,
    },
    include: ['*.ts'],
  };
}

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig(false), null, 2));
  writeFileSync(join(dir, 'tsconfig.run.json'), JSON.stringify(tsconfig(true), null, 2));
  const alias = Object.entries(moduleMap(true)).map(([find, replacement]) => ({
    find: new RegExp(`^${find.replace(/[/.-]/g, '\\$&')}$`).source,
    replacement,
  }));
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { resolve: { alias: ${JSON.stringify(alias)}.map((a) => ({ ...a, find: new RegExp(a.find) })) },
  test: { include: ['*.test.ts'], testTimeout: 30000 } };\n`,
  );
  standalone.forEach((b, i) => {
    writeFileSync(join(dir, file(i)), b.code);
  });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('README snippets', () => {
  it('every code block is a ts snippet, a named file of an example, the CommonJS snippet or shell', () => {
    expect(blocks.map((b) => b.lang).filter((l) => !['ts', 'js', 'sh'].includes(l))).toEqual([]);
    expect(standalone.length).toBeGreaterThanOrEqual(10);
  });

  it('every ts snippet type-checks as written (strict, noUncheckedIndexedAccess)', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );
    expect(result.stdout).toBe('');
  }, 120_000);

  for (const [i, b] of standalone.entries()) {
    const title = b.code.split('\n').find((l) => !l.startsWith('import') && l.trim() !== '') ?? '';
    it(`README.md:${b.line} runs and ends by itself: ${title.slice(0, 60)}`, async () => {
      const vitest = file(i).endsWith('.test.ts');
      const args = vitest
        ? [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.mjs', file(i)]
        : ['--import', 'tsx', file(i)];
      const { FORCE_COLOR: _, ...inherited } = process.env;
      const env = { ...inherited, TSX_TSCONFIG_PATH: join(dir, 'tsconfig.run.json'), NO_COLOR: '1' };
      const { stdout, stderr } = await run(process.execPath, args, { cwd: dir, env, timeout: 60_000 }).catch(
        (error: { stdout: string; stderr: string; killed?: boolean }) => {
          const why = error.killed ? 'did not end within 60 s (something left open?)' : 'failed';
          throw new Error(`README.md:${b.line} ${why}:\n${error.stdout}\n${error.stderr}`);
        },
      );
      expect(stderr).toBe('');
      if (vitest) expect(stdout).toMatch(/Tests\s+\d+ passed/);
    }, 90_000);
  }
});
