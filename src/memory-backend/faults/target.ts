/** Which clients a fault applies to: by name, several names, or every client. */

import { describe } from '../../common/validate.js';
import { ClosedError, InvalidArgumentError } from '../../interface/errors.js';
import type { ClientLink } from './link.js';

/**
 * The clients a fault targets: one client name (`store.connect({ name })`), several, or — omitted —
 * every client connected now. Several clients may share a name; a name targets all of them.
 */
export type FaultTarget = string | readonly string[] | undefined;

/**
 * The open links `target` names. Throws, before anything changes, InvalidArgumentError for a malformed
 * target or a name no client has, and ClosedError for a name whose clients have all closed.
 */
export function resolveTarget(
  target: unknown,
  links: readonly ClientLink[],
  closedNames: ReadonlySet<string>,
): ClientLink[] {
  if (target === undefined) return [...links];
  const names = typeof target === 'string' ? [target] : target;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
    throw new InvalidArgumentError(
      `target must be a client name, a non-empty array of names, or omitted for every client; received ${describe(target)}`,
    );
  }
  const chosen: ClientLink[] = [];
  for (const name of names as string[]) {
    const matching = links.filter((l) => l.name === name);
    if (matching.length === 0) {
      if (closedNames.has(name)) throw new ClosedError(`client "${name}" is closed`);
      const known = [...new Set(links.map((l) => l.name))].join(', ') || 'none';
      throw new InvalidArgumentError(`no client named ${JSON.stringify(name)} (connected: ${known})`);
    }
    for (const l of matching) if (!chosen.includes(l)) chosen.push(l);
  }
  return chosen;
}
