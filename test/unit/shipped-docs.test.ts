/**
 * What the shipped doc comments promise where users read them (editor hovers, the .d.ts files): read with
 * the TypeScript compiler from the sources the package ships. The behaviour behind each statement is
 * tested on both backends elsewhere (named per statement below); this keeps the text from going stale.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { type EtcdBehaviour, etcdBehaviour } from '../../src/memory-backend/etcd-version.js';

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
      if (ts.isVariableStatement(n)) {
        return n.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name);
      }
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

  // The release boundaries of each behaviour the `etcdVersion` option selects, found by asking the shipped
  // table itself; a doc states a boundary when it names the first release with the change or the last
  // without it.
  const boundaries = (field: keyof EtcdBehaviour): string[][] => {
    const found: string[][] = [];
    for (const minor of [4, 5, 6]) {
      for (let patch = 1; patch <= 60; patch++) {
        const before = etcdBehaviour(`3.${minor}.${patch - 1}`)[field];
        if (etcdBehaviour(`3.${minor}.${patch}`)[field] !== before)
          found.push([`3.${minor}.${patch}`, `3.${minor}.${patch - 1}`]);
      }
    }
    return found;
  };
  const statesEach = (text: string, field: keyof EtcdBehaviour) => {
    const list = boundaries(field);
    expect(list.length, field).toBeGreaterThan(0);
    for (const [first, last] of list) {
      const named = new RegExp(`\\b(${first}|${last})(?!\\d)`).test(text);
      expect(named, `${field}: neither ${first} nor ${last} in the doc`).toBe(true);
    }
  };

  // Behaviour: test/conformance (watch stream cases on every target and memory release),
  // test/memory-backend/etcd-version.test.ts.
  it('WatchResponse: what a progress notice promises, per etcd release', () => {
    const text = docOf('interface/watch.ts', ['WatchResponse']);
    expect(text).not.toMatch(
      /progress:[^.]*compactRevision 0: everything up to header\.revision has been delivered/,
    );
    expect(text).toMatch(/does NOT mean everything up to header\.revision was delivered/);
    expect(text).toMatch(/can come before replayed events/);
    statesEach(text, 'progressRequest');
    statesEach(text, 'progressForFutureWatchers');
    const request = docOf('interface/watch.ts', ['WatchStream', 'requestProgress']);
    expect(request).toMatch(/depends on the etcd release/);
  });

  it('etcdVersion: the default is documented and every behaviour it selects names its releases', () => {
    const option = docOf('memory-backend/options.ts', ['MemoryStoreOptions', 'etcdVersion']);
    expect(option).toMatch(/default \{@link DEFAULT_ETCD_VERSION\}|default DEFAULT_ETCD_VERSION/);
    expect(option).toMatch(/Maintenance\.Status reports it/);
    expect(docOf('memory-backend/etcd-version.ts', ['DEFAULT_ETCD_VERSION'])).toMatch(
      /default `etcdVersion`/,
    );
    statesEach(docOf('memory-backend/etcd-version.ts', ['ProgressRequestMode']), 'progressRequest');
    for (const field of ['progressForFutureWatchers', 'negativeWatchStart'] as const) {
      statesEach(docOf('memory-backend/etcd-version.ts', ['EtcdBehaviour', field]), field);
    }
  });
});
