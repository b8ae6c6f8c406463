/**
 * Go's encoding/json scanner, for its error texts: etcd's gateway reads a request body with a
 * json.Decoder (the first JSON value, whatever follows), and a quoted int64 with json.Unmarshal of the
 * unquoted text. {@link firstValueEnd} and {@link checkValid} say where a value ends or what Go would say
 * about it: "invalid character 'x' looking for beginning of value", "unexpected EOF" and the rest.
 */

/** What Go's scanner says about bad JSON: its text, or that the input ended inside a value. */
export class GoJsonSyntaxError extends Error {
  constructor(
    message: string,
    /** True when the input ended inside a value (Decoder: "unexpected EOF"). */
    readonly atEnd: boolean,
  ) {
    super(message);
  }
}

const END = new GoJsonSyntaxError('unexpected EOF', true);

/** Go's quoteChar: how a character is shown in the scanner's errors. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  if (c === '\\') return "'\\\\'";
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
  const code = c.codePointAt(0)!;
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (code === 7) return "'\\a'";
  if (code === 11) return "'\\v'";
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

function invalid(c: string, context: string): GoJsonSyntaxError {
  return new GoJsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`, false);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Go's maxNestingDepth: an object or array opened deeper than this is refused. */
const MAX_DEPTH = 10_000;

/**
 * Scan the value that starts at `i` (no leading whitespace); returns the index after it. Iterative, with
 * Go's nesting limit, so that no body can exhaust the stack.
 */
function value(text: string, i: number): number {
  const open: ('{' | '[')[] = [];
  let expecting: 'value' | 'key' = 'value';
  for (;;) {
    // Read a value (or, in an object, a key and its colon first).
    if (expecting === 'key') {
      const c = text[i];
      if (c === undefined) throw END;
      if (c !== '"') throw invalid(c, 'looking for beginning of object key string');
      i = skip(text, string(text, i + 1));
      if (text[i] === undefined) throw END;
      if (text[i] !== ':') throw invalid(text[i]!, 'after object key');
      i = skip(text, i + 1);
    }
    const c = text[i];
    if (c === undefined) throw END;
    if (c === '{' || c === '[') {
      open.push(c);
      if (open.length > MAX_DEPTH) throw invalid(c, 'exceeded max depth');
      i = skip(text, i + 1);
      const close = c === '{' ? '}' : ']';
      if (text[i] !== close) {
        expecting = c === '{' ? 'key' : 'value';
        continue;
      }
      open.pop();
      i++;
    } else if (c === '"') i = string(text, i + 1);
    else if (c === '-' || isDigit(c)) i = number(text, i);
    else if (c === 't') i = literal(text, i, 'true');
    else if (c === 'f') i = literal(text, i, 'false');
    else if (c === 'n') i = literal(text, i, 'null');
    else throw invalid(c, 'looking for beginning of value');
    // After a value: close what ends here, or go on to the next element.
    for (;;) {
      const top = open.at(-1);
      if (top === undefined) return i;
      i = skip(text, i);
      const after = text[i];
      if (after === undefined) throw END;
      if (after === ',') {
        i = skip(text, i + 1);
        expecting = top === '{' ? 'key' : 'value';
        break;
      }
      if (after === (top === '{' ? '}' : ']')) {
        open.pop();
        i++;
        continue;
      }
      throw invalid(after, top === '{' ? 'after object key:value pair' : 'after array element');
    }
  }
}

function skip(text: string, i: number): number {
  while (isSpace(text[i])) i++;
  return i;
}

function string(text: string, i: number): number {
  for (;;) {
    const c = text[i];
    if (c === undefined) throw END;
    if (c === '"') return i + 1;
    if (c === '\\') {
      const e = text[i + 1];
      if (e === undefined) throw END;
      if (e === 'u') {
        for (let k = 2; k < 6; k++) {
          const h = text[i + k];
          if (h === undefined) throw END;
          if (!/[0-9a-fA-F]/.test(h)) throw invalid(h, 'in \\u hexadecimal character escape');
        }
        i += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(e)) throw invalid(e, 'in string escape code');
      i += 2;
      continue;
    }
    if (c.charCodeAt(0) < 0x20) throw invalid(c, 'in string literal');
    i++;
  }
}

function number(text: string, i: number): number {
  if (text[i] === '-') {
    i++;
    if (text[i] === undefined) throw END;
    if (!isDigit(text[i])) throw invalid(text[i]!, 'in numeric literal');
  }
  if (text[i] === '0') i++;
  else while (isDigit(text[i])) i++;
  if (text[i] === '.') {
    i++;
    if (text[i] === undefined) throw END;
    if (!isDigit(text[i])) throw invalid(text[i]!, 'after decimal point in numeric literal');
    while (isDigit(text[i])) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    i++;
    if (text[i] === '+' || text[i] === '-') i++;
    if (text[i] === undefined) throw END;
    if (!isDigit(text[i])) throw invalid(text[i]!, 'in exponent of numeric literal');
    while (isDigit(text[i])) i++;
  }
  return i;
}

function literal(text: string, i: number, word: string): number {
  for (let k = 1; k < word.length; k++) {
    const c = text[i + k];
    if (c === undefined) throw END;
    if (c !== word[k]) throw invalid(c, `in literal ${word} (expecting ${quoteChar(word[k]!)})`);
  }
  return i + word.length;
}

/**
 * Where the first JSON value of `text` ends, as json.Decoder reads it (what follows is not read).
 * Throws {@link GoJsonSyntaxError} with Go's text. Whitespace only: undefined (Go: io.EOF).
 */
export function firstValueEnd(text: string): number | undefined {
  const start = skip(text, 0);
  if (start === text.length) return undefined;
  return value(text, start);
}

/**
 * json.Unmarshal's validity check of a whole input: one value and nothing but whitespace after it.
 * Throws with Go's text ("unexpected end of JSON input" when it ends inside a value or is empty).
 */
export function checkValid(text: string): void {
  try {
    const end = value(text, skip(text, 0));
    const rest = skip(text, end);
    if (rest < text.length) throw invalid(text[rest]!, 'after top-level value');
  } catch (error) {
    if (error instanceof GoJsonSyntaxError && error.atEnd) {
      throw new GoJsonSyntaxError('unexpected end of JSON input', true);
    }
    throw error;
  }
}
