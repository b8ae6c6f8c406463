#!/usr/bin/env node
// Bundle the `etcd-kv-kit` command (src/cli/main.ts and everything it loads, gRPC included) into one
// CommonJS file, dist/cli/bundle.cjs, started by dist/cli/etcd-kv-kit.cjs through v8-compile-cache: one
// file to read instead of some 200 modules, and V8's compiled code kept between runs, which together cut
// the time from start to the ready line by half. The licences of the bundled packages go beside it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist/cli');
const bundle = join(outdir, 'bundle.cjs');
const launcher = join(outdir, 'etcd-kv-kit.cjs');
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  // etcd3 finds its own files (its .proto, its grpc-js) from where it is installed: it stays a package,
  // loaded only by the commands that talk to an etcd (dump).
  external: ['etcd3'],
  // The sources are ES modules; in one CommonJS file, import.meta.url is this file's URL.
  define: { 'import.meta.url': '__etcdKvKitUrl' },
  banner: { js: "var __etcdKvKitUrl = require('node:url').pathToFileURL(__filename).href;" },
  metafile: true,
  // Less source for V8 to parse and compile; names kept for readable stack traces.
  minify: true,
  keepNames: true,
  legalComments: 'none', // the licences are collected whole, below
  logLevel: 'warning',
});
writeFileSync(
  launcher,
  `#!/usr/bin/env node
'use strict';
// Keep V8's compiled code of the bundle between runs (Node 20 has no built-in compile cache).
try {
  require('v8-compile-cache');
} catch {}
require('./bundle.cjs');
`,
  { mode: 0o755 },
);

// Every package the bundle took code from, with its licence text.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.set(m[1], join(root, input.slice(0, input.indexOf(m[1]) + m[1].length)));
}
const notices = [...packages.entries()]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, dir]) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    if (!file) throw new Error(`${name} has no licence file to ship with the bundle`);
    const extra = readdirSync(dir).find((f) => /^notice(\.|$)/i.test(f));
    const text = readFileSync(join(dir, file), 'utf8').trim();
    const notice = extra ? `\n\n${readFileSync(join(dir, extra), 'utf8').trim()}` : '';
    return `${name} ${pkg.version} (${pkg.license})\n${'-'.repeat(72)}\n${text}${notice}\n`;
  });
writeFileSync(
  join(outdir, 'THIRD-PARTY-NOTICES.txt'),
  `bundle.cjs bundles code of these packages, under their licences:\n\n${notices.join('\n')}`,
);
console.log(
  `bundled ${relative(root, bundle)} (${packages.size} packages: ${[...packages.keys()].join(', ')})`,
);
