/**
 * Command-line flags the way etcd (Go's flag package) reads them: `--name=value`, `--name value`,
 * `-name value`; a boolean flag alone means true, or takes `=true` / `=false`.
 */

/** A flag's kind. */
export type FlagKind = 'string' | 'int' | 'bool' | 'duration';

/** One flag a command accepts. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly help: string;
  /** Shown in the help text. */
  readonly defaultText?: string;
}

/** A flag that was not understood; the message says what and why. */
export class FlagError extends Error {}

/** Parsed flag values (durations in ms), by flag name. */
export type FlagValues = Map<string, string | number | boolean>;

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("10m", "1h30m", "100ms") in milliseconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (text === '0') return 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) throw new FlagError(`invalid duration ${JSON.stringify(text)} (use e.g. 100ms, 5s, 10m)`);
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (text.length === 0) throw new FlagError('empty duration');
  return total;
}

function convert(spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw))
        throw new FlagError(`--${spec.name}: ${JSON.stringify(raw)} is not an integer`);
      return Number(raw);
    }
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new FlagError(`--${spec.name}: ${JSON.stringify(raw)} is not true or false`);
    case 'duration':
      try {
        return parseDuration(raw);
      } catch (error) {
        throw new FlagError(`--${spec.name}: ${(error as Error).message}`);
      }
  }
}

/** Parse `args` against `specs`; positional arguments are refused. */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): FlagValues {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--?([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (m === null) throw new FlagError(`unexpected argument ${JSON.stringify(arg)}`);
    const name = m[1]!;
    const spec = byName.get(name);
    if (spec === undefined) throw new FlagError(`unknown flag --${name}`);
    let raw = m[2];
    if (raw === undefined) {
      if (spec.kind === 'bool') raw = 'true';
      else {
        const next = args[++i];
        if (next === undefined) throw new FlagError(`--${name} needs a value`);
        raw = next;
      }
    }
    values.set(name, convert(spec, raw));
  }
  return values;
}

/** The flags' help lines. */
export function flagHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const head = `  --${s.name}${s.kind === 'bool' ? '' : ` <${s.kind === 'duration' ? 'duration' : s.kind === 'int' ? 'n' : 'value'}>`}`;
      const dflt = s.defaultText === undefined ? '' : ` (default ${s.defaultText})`;
      return `${head}\n      ${s.help}${dflt}`;
    })
    .join('\n');
}
