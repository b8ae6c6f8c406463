#!/usr/bin/env node
// Bundle the `etcd-kv-kit` command (src/cli/main.ts and everything it loads, gRPC included) into one file,
// dist/cli/etcd-kv-kit.mjs: one file to read and compile instead of some 200 modules, which halves the
// time from start to the ready line. The licences of the bundled packages go beside it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist/cli');
const outfile = join(outdir, 'etcd-kv-kit.mjs');
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: { 'etcd-kv-kit': join(root, 'src/cli/main.ts') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  // Commands other than serve load on demand, in chunks of their own.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // etcd3 finds its own files (its .proto, its grpc-js) from where it is installed: it stays a package,
  // loaded only by the commands that talk to an etcd (dump).
  external: ['etcd3'],
  metafile: true,
  legalComments: 'none', // the licences are collected whole, below
  logLevel: 'warning',
  // The bundled CommonJS packages call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __etcdKvKitRequire } from 'node:module';\nconst require = __etcdKvKitRequire(import.meta.url);",
  },
});
// tsc keeps the shebang of src/cli/main.ts at the top; esbuild puts the banner first, so restore it.
const code = readFileSync(outfile, 'utf8').replace(/^#!.*\n/m, '');
writeFileSync(outfile, `#!/usr/bin/env node\n${code}`, { mode: 0o755 });

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
  join(dirname(outfile), 'THIRD-PARTY-NOTICES.txt'),
  `etcd-kv-kit.mjs bundles code of these packages, under their licences:\n\n${notices.join('\n')}`,
);
console.log(
  `bundled ${relative(root, outfile)} (${packages.size} packages: ${[...packages.keys()].join(', ')})`,
);
