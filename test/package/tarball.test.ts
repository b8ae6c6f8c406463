/**
 * The packed tarball, installed into fresh projects, as users meet it: every subpath loads with
 * `require()` (CommonJS) and `import` (ESM) with no warning, type-checks under every TypeScript module
 * resolution with skipLibCheck off, passes publint and are-the-types-wrong, runs the whole shipped
 * conformance suite on a user's own target, and gives a vitest run one real etcd through the global setup.
 * Snippets come from README.md where it has them, so the README shows what is tested here.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Consumer, packAndInstall, run } from './consumer.js';
import { codeBlocks } from './markdown.js';
import { pkg, root, subpaths } from './package-info.js';

const readme = codeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const readmeBlock = (predicate: (b: (typeof readme)[number]) => boolean, what: string): string => {
  const block = readme.find(predicate);
  if (!block) throw new Error(`README.md has no ${what} snippet`);
  return block.code;
};
const specifiers = subpaths().map((s) => s.specifier);
const bin = (tool: string) => join(root, 'node_modules', tool);

let consumer: Consumer;
/** The project root (CommonJS) and its ESM sub-project; both resolve the package from the root's node_modules. */
let cjs: string;
let esm: string;

beforeAll(async () => {
  consumer = await packAndInstall();
  cjs = consumer.project;
  esm = join(cjs, 'esm');
  mkdirSync(esm);
  writeFileSync(join(esm, 'package.json'), '{ "type": "module" }\n');
}, 240_000);
afterAll(() => {
  consumer?.dispose();
});

describe('the packed tarball', () => {
  it('ships the build, its TypeScript source, licence, changelog and semantics; no test, bench or stale file', () => {
    const files = consumer.files;
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/semantics.md']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /\.test\.|(^|\/)test\/|^dist\/bench\//.test(f))).toEqual([]);
    // Every built file comes from a source file that is shipped too: nothing left over from an old build.
    const stale = files
      .filter((f) => f.startsWith('dist/') && /\.(js|d\.ts)(\.map)?$/.test(f))
      .filter((f) => !files.includes(f.replace(/^dist\//, 'src/').replace(/(\.d\.ts|\.js)(\.map)?$/, '.ts')));
    expect(stale).toEqual([]);
    for (const { types, js } of subpaths()) {
      expect(files).toContain(types.slice(2));
      expect(files).toContain(js.slice(2));
    }
  });

  it('typesVersions gives every subpath its types under moduleResolution node10', () => {
    const mapped = pkg.typesVersions['*'] ?? {};
    for (const { specifier, types } of subpaths().filter((s) => s.specifier !== pkg.name)) {
      expect(mapped[specifier.slice(pkg.name.length + 1)], specifier).toEqual([types]);
    }
  });

  it('declaration maps send go-to-definition to the shipped TypeScript source', () => {
    const maps = consumer.files.filter((f) => f.endsWith('.d.ts.map'));
    expect(maps.length).toBe(consumer.files.filter((f) => f.endsWith('.d.ts')).length);
    const installed = join(cjs, 'node_modules', pkg.name);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[] };
      for (const source of sources)
        expect(existsSync(join(installed, map, '..', source)), `${map} → ${source}`).toBe(true);
    }
  });

  it('every subpath loads with require() from CommonJS, with no warning', async () => {
    writeFileSync(
      join(cjs, 'require-all.cjs'),
      `for (const id of ${JSON.stringify([...specifiers, `${pkg.name}/package.json`])}) {
  const m = require(id);
  if (Object.keys(m).length === 0) throw new Error(id + ' exported nothing');
  console.log(id, Object.keys(m).length);
}\n`,
    );
    const { stdout, stderr } = await run(process.execPath, ['require-all.cjs'], cjs);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toHaveLength(specifiers.length + 1);
  });

  it("the README's CommonJS snippet runs as written", async () => {
    writeFileSync(
      join(cjs, 'readme.cjs'),
      readmeBlock((b) => b.lang === 'js', 'js'),
    );
    const { stdout, stderr } = await run(process.execPath, ['readme.cjs'], cjs);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('hello');
  });

  it('every subpath loads with import from ESM; etcd-kv-kit/memory loads no gRPC', async () => {
    writeFileSync(
      join(esm, 'import-all.mjs'),
      `import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('@grpc'));
await import('${pkg.name}/memory');
console.log('grpc after memory:', loaded().length);
for (const id of ${JSON.stringify(specifiers)}) {
  const m = await import(id);
  if (Object.keys(m).length === 0) throw new Error(id + ' exported nothing');
}
console.log('grpc after all:', loaded().length > 0);\n`,
    );
    const { stdout, stderr } = await run(process.execPath, ['import-all.mjs'], esm);
    expect(stderr).toBe('');
    expect(stdout).toContain('grpc after memory: 0');
    expect(stdout).toContain('grpc after all: true'); // the check above can see gRPC when it is loaded
  });

  it('type-checks strictly with skipLibCheck off: nodenext (ESM and CJS), node16, bundler, node10', async () => {
    const uses = (id: string) => `import * as m${specifiers.indexOf(id)} from '${id}';`;
    const all = specifiers.map(uses).join('\n');
    const touch = specifiers.map((_, i) => `void m${i};`).join('\n');
    const typed = `import { ManualClock, type KvBackend } from '${pkg.name}';
import { MemoryBackend } from '${pkg.name}/memory';
import { allCases, runConformance } from '${pkg.name}/testing';
const backend: KvBackend = new MemoryBackend({ clock: new ManualClock() });
export const groups: number = allCases.length;
export const run: typeof runConformance = runConformance;
void backend.close();\n`;
    const ts = (dir: string, name: string, compilerOptions: object, include: string[]) => {
      writeFileSync(
        join(dir, name),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noUncheckedIndexedAccess: true,
            skipLibCheck: false,
            noEmit: true,
            target: 'ES2022',
            lib: ['ES2022', 'ESNext.Disposable'], // what the README asks of users
            types: ['node'],
            ...compilerOptions,
          },
          include,
        }),
      );
      return join(dir, name);
    };
    writeFileSync(join(esm, 'all.mts'), `${all}\n${touch}\n${typed}`);
    writeFileSync(join(cjs, 'all.cts'), `${all}\n${touch}\n${typed}`);
    mkdirSync(join(cjs, 'node10'));
    writeFileSync(
      join(cjs, 'node10', 'all.ts'),
      `${all}\n${touch}\n${typed.replace('void backend', 'void backend')}`,
    );
    const configs = [
      ts(esm, 'tsconfig.nodenext.json', { module: 'NodeNext', moduleResolution: 'NodeNext' }, ['all.mts']),
      ts(esm, 'tsconfig.node16.json', { module: 'Node16', moduleResolution: 'Node16' }, ['all.mts']),
      ts(cjs, 'tsconfig.cjs.json', { module: 'NodeNext', moduleResolution: 'NodeNext' }, ['all.cts']),
      ts(esm, 'tsconfig.bundler.json', { module: 'ESNext', moduleResolution: 'Bundler' }, ['all.mts']),
      ts(cjs, 'tsconfig.node10.json', { module: 'CommonJS', moduleResolution: 'Node10' }, ['node10/all.ts']),
    ];
    const tsc = join(cjs, 'node_modules/typescript/bin/tsc');
    const results = await Promise.all(
      configs.map((config) =>
        run(process.execPath, [tsc, '-p', config], cjs).then(
          () => `${config}: ok`,
          (error: Error) => `${config}: ${error.message}`,
        ),
      ),
    );
    expect(results.filter((r) => !r.endsWith(': ok'))).toEqual([]);
  }, 180_000);

  it('publint finds nothing', async () => {
    const { stdout } = await run(
      process.execPath,
      [bin('publint/src/cli.js'), consumer.tarball, '--strict'],
      cjs,
    );
    expect(stdout).toContain('All good!');
  });

  it('are-the-types-wrong finds nothing (beyond ESM-only from CommonJS, which Node >= 20.19 loads)', async () => {
    // cjs-resolves-to-esm: attw flags that a require() of this package gets ES modules. That is the
    // design: engines.node >= 20.19 loads ES modules with require(), and TypeScript >= 5.8 types it
    // under module nodenext (the tsconfig.cjs.json check above).
    const { stdout } = await run(
      process.execPath,
      [bin('@arethetypeswrong/cli/dist/index.js'), consumer.tarball, '--ignore-rules', 'cjs-resolves-to-esm'],
      cjs,
    );
    expect(stdout).toContain('No problems found');
  });

  it("runs the whole shipped conformance suite on a user's own target (the README's snippet)", async () => {
    const dir = join(esm, 'conformance');
    mkdirSync(dir);
    writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
    writeFileSync(
      join(dir, 'my-backend.test.ts'),
      readmeBlock((b) => b.code.includes('runConformance(myTarget, allCases'), 'conformance'),
    );
    const { stdout } = await run(process.execPath, [join(cjs, 'node_modules/vitest/vitest.mjs'), 'run'], dir);
    const passed = Number(/Tests\s+(\d+) passed/.exec(stdout)?.[1]);
    expect(stdout).not.toMatch(/failed|skipped/);
    expect(passed).toBeGreaterThanOrEqual(90); // every case of every group; none skipped
  }, 180_000);

  it("gives a vitest run one real etcd through etcd-kv-kit/testing/vitest (the README's files)", async () => {
    const dir = join(esm, 'real-etcd');
    mkdirSync(dir);
    for (const name of ['vitest.config.ts', 'real-etcd.test.ts']) {
      writeFileSync(
        join(dir, name),
        readmeBlock((b) => b.name === name, name),
      );
    }
    // The README's files type-check against the package too.
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: true, // vite's own declarations need DOM types that a Node project does not load
          noEmit: true,
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
        },
        include: ['*.ts'],
      }),
    );
    await run(process.execPath, [join(cjs, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
    const { stdout } = await run(process.execPath, [join(cjs, 'node_modules/vitest/vitest.mjs'), 'run'], dir);
    expect(stdout).toMatch(/Tests\s+1 passed/);
  }, 180_000);

  // Every bin in package.json is in the tarball, installed on PATH, and starts as a Node script. (The
  // simulator server's `serve` command adds the first one; add a run of its --help here with it.)
  for (const [name, file] of Object.entries(pkg.bin ?? {})) {
    it(`bin ${name} is shipped and linked`, () => {
      expect(consumer.files).toContain(file.replace(/^\.\//, ''));
      expect(existsSync(join(cjs, 'node_modules/.bin', name))).toBe(true);
      expect(readFileSync(join(cjs, 'node_modules', pkg.name, file), 'utf8')).toMatch(
        /^#!\/usr\/bin\/env node\n/,
      );
    });
  }
});
