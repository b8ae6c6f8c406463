// API reference from the doc comments: one Markdown page per package subpath, into docs/api.
// Entry points come from package.json's exports map, so a new subpath is documented without editing this.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const entryPoints = Object.values(pkg.exports)
  .filter((target) => typeof target === 'object')
  .map((target) => target.types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts'));

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  entryPoints,
  tsconfig: './tsconfig.build.json',
  out: 'docs/api',
  plugin: ['typedoc-plugin-markdown'],
  outputFileStrategy: 'modules',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  disableSources: true,
  hidePageHeader: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  sort: ['kind', 'instance-first', 'alphabetical-ignoring-documents'],
  // The classes that fixedError() returns are named by the error classes that extend them.
  intentionallyNotExported: ['__class'],
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // Every exported name and every method; plain data fields (request and response properties) are
  // described in their interface's comment and in docs/semantics.md.
  requiredToBeDocumented: [
    'Enum',
    'Variable',
    'Function',
    'Class',
    'Interface',
    'Method',
    'Accessor',
    'TypeAlias',
    'Namespace',
    'Module',
  ],
  treatWarningsAsErrors: true,
};
