/**
 * Just enough Markdown reading for the docs tests: fenced code blocks, headings with GitHub's anchors,
 * and links. Code (fenced and inline) is skipped when looking for links.
 */

/**
 * One fenced code block: its language ("ts", "sh", ...), the rest of its info string (a file name in
 * this README), its text, and its first line (1-based).
 */
export interface CodeBlock {
  readonly lang: string;
  readonly name: string;
  readonly code: string;
  readonly line: number;
}

/** The fenced code blocks of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)\s*(\S*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[2] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').trim().startsWith(fence)) body.push(lines[j++] ?? '');
    blocks.push({ lang: open[3] ?? '', name: open[4] ?? '', code: body.join('\n'), line: i + 2 });
    i = j;
  }
  return blocks;
}

/** `markdown` with fenced code blocks blanked out (line numbers kept) and inline code removed. */
function prose(markdown: string): string[] {
  let inFence: string | undefined;
  return markdown.split('\n').map((line) => {
    const fence = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (inFence) {
      if (fence && line.trim().startsWith(inFence)) inFence = undefined;
      return '';
    }
    if (fence) {
      inFence = fence;
      return '';
    }
    return line.replace(/`[^`]*`/g, '');
  });
}

/** GitHub's anchor for a heading's text (as github-slugger makes it), before de-duplication. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/\\(.)/g, '$1') // backslash escapes
    .replace(/`/g, '');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a file's headings give, with GitHub's "-1", "-2" suffixes for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** One link target in prose, with its line (1-based). */
export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Every inline link and image target outside code. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  prose(markdown).forEach((line, index) => {
    for (const m of line.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: m[1] ?? '', line: index + 1 });
    }
  });
  return out;
}
