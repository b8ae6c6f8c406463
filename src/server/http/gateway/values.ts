/** The JSON values of a request body, one after another, as Go's json.Decoder reads a stream of them. */

import type { Readable } from 'node:stream';
import { parseJson } from './json.js';

/** Yields each top-level JSON value in `body` as it completes; throws on text that is not JSON. */
export async function* jsonValues(body: Readable): AsyncGenerator<unknown> {
  let buffer = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for await (const chunk of body) {
    const from = buffer.length;
    buffer += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let consumed = 0;
    for (let i = from; i < buffer.length; i++) {
      const c = buffer[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"' && depth > 0) {
        inString = true;
      } else if (c === '{' || c === '[') {
        if (depth === 0) start = i;
        depth++;
      } else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          yield parseJson(buffer.slice(start, i + 1));
          start = -1;
          consumed = i + 1;
        }
      } else if (depth === 0 && !/\s/.test(c)) {
        throw new SyntaxError(`invalid character '${c}' looking for beginning of value`);
      }
    }
    // Keep only the value in progress (or nothing): positions restart from its first character.
    const cut = start >= 0 ? start : Math.max(consumed, depth === 0 ? buffer.length : consumed);
    buffer = buffer.slice(cut);
    if (start >= 0) start = 0;
  }
}
