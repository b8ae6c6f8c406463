/**
 * What the shipped doc comments promise where users read them (editor hovers, the .d.ts files): read with
 * the TypeScript compiler from the sources the package ships. The behaviour behind each statement is
 * tested on both backends elsewhere (named per statement below); this keeps the text from going stale.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The JSDoc text of the declaration at `path` (e.g. ["Session", "done"]) in a shipped source file. */
function docOf(file: string, path: string[]): string {
  const url = new URL(`../../src/${file}`, import.meta.url);
  const source = ts.createSourceFile(
    file,
    readFileSync(fileURLToPath(url), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  let scope: readonly ts.Node[] = source.statements;
  let found: ts.Node | undefined;
  for (const name of path) {
    found = scope.find((n) => {
      const id = (n as ts.NamedDeclaration).name;
      return id !== undefined && ts.isIdentifier(id) && id.text === name;
    });
    if (!found) throw new Error(`${file}: no declaration ${path.join('.')}`);
    scope = ts.isClassDeclaration(found) || ts.isInterfaceDeclaration(found) ? found.members : [];
  }
  return ts
    .getJSDocCommentsAndTags(found!)
    .map((d) => (typeof d.comment === 'string' ? d.comment : (ts.getTextOfJSDocComment(d.comment) ?? '')))
    .join('\n')
    .replace(/\s+/g, ' ');
}

describe('shipped docs', () => {
  // Behaviour: test/recipes/session.test.ts ("expired" ... keys are gone; "unreachable" does not mean ...).
  it('Session.done: what each reason guarantees about the lease on the server, and what a holder must do', () => {
    const text = `${docOf('recipes/session.ts', ['Session'])} ${docOf('recipes/session.ts', ['Session', 'done'])}`;
    expect(text).toMatch(/`expired`[^.]*TTL 0.*keys? (on it )?ha(s|ve) been deleted/);
    expect(text).toMatch(/`unreachable`.*may still be alive/);
    expect(text).toMatch(/keys can stay visible to others/);
    expect(text).toMatch(/guarded write .{0,80}can still commit/);
    expect(text).toMatch(/etcd restart/);
    expect(text).toMatch(/`closed`/);
    expect(text).toMatch(/`orphaned`/);
    expect(text).toMatch(/stop acting as the holder/);
    expect(text).toMatch(/make every protected write a guarded write/);
  });
});
