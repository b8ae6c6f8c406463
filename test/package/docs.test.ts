/**
 * The API reference and every Markdown file of the repository: docs/api is what `npm run docs` makes from
 * the current doc comments (TypeDoc fails on an undocumented export or a broken {@link}), and every
 * relative link in README, CHANGELOG and docs/ reaches a file, and a heading when it names one.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchors, links } from './markdown.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(ext) && statSync(f).isFile())
    .sort();
}

describe('docs', () => {
  it('docs/api is what npm run docs makes now: every export documented, no broken link', () => {
    const out = mkdtempSync(join(tmpdir(), 'kvkit-docs-'));
    try {
      // treatWarningsAsErrors + validation.notDocumented/invalidLink in typedoc.config.mjs: exit 1 on any.
      execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
        cwd: root,
        stdio: 'pipe',
      });
      const fresh = filesUnder(out, '.md').map((f) => relative(out, f));
      const committed = filesUnder(join(root, 'docs/api'), '.md').map((f) =>
        relative(join(root, 'docs/api'), f),
      );
      expect(committed, 'docs/api is stale: run `npm run docs` and commit it').toEqual(fresh);
      for (const f of fresh) {
        const same = readFileSync(join(out, f), 'utf8') === readFileSync(join(root, 'docs/api', f), 'utf8');
        expect(same, `docs/api/${f} is stale: run \`npm run docs\` and commit it`).toBe(true);
      }
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      if (e.stdout || e.stderr) throw new Error(`typedoc failed:\n${e.stdout}${e.stderr}`);
      throw error;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('every relative link in the Markdown files reaches its file and heading', () => {
    const files = [
      ...['README.md', 'CHANGELOG.md', 'BENCHMARKS.md'].map((f) => join(root, f)),
      ...filesUnder(join(root, 'docs'), '.md'),
    ];
    const broken: string[] = [];
    const headings = new Map<string, Set<string>>();
    const anchorsOf = (file: string) => {
      const found = headings.get(file) ?? anchors(readFileSync(file, 'utf8'));
      headings.set(file, found);
      return found;
    };
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { target, line } of links(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: — not checked offline
        checked++;
        const [path = '', anchor] = target.split('#', 2);
        const dest = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
        const where = `${relative(root, file)}:${line} → ${target}`;
        if (!existsSync(dest)) {
          broken.push(`${where} (no such file)`);
          continue;
        }
        if (anchor && dest.endsWith('.md') && !anchorsOf(dest).has(anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(100); // docs/api alone links every type it mentions
  });
});
