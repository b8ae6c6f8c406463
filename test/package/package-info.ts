/** What the package tests read from package.json: its subpaths, and where each one's source lives. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** package.json, as far as these tests read it. */
export interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  bin?: Record<string, string>;
  engines: { node: string };
  [field: string]: unknown;
}

/** The repository's package.json. */
export const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

/** Every code subpath as users import it ("etcd-kv-kit", "etcd-kv-kit/memory", ...), with its export. */
export function subpaths(): { specifier: string; types: string; js: string }[] {
  return Object.entries(pkg.exports).flatMap(([key, target]) =>
    typeof target === 'string'
      ? []
      : [
          {
            specifier: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`,
            types: target.types,
            js: target.default,
          },
        ],
  );
}

/** Each subpath's TypeScript source in this repository (dist/x.d.ts is built from src/x.ts). */
export function sourceOf(types: string): string {
  return join(root, types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
}
