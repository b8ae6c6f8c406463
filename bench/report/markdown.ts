/** Markdown helpers for BENCHMARKS.md: tables, number formatting and target verdicts. */

/** A markdown table; `align` holds 'l' or 'r' per column (default: first left, rest right). */
export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(a.map((x) => (x === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/** µs with 3 significant digits (at least one decimal below 10). */
export function us(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Operations per second, rounded, with thousands separators. */
export function ops(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** A ratio such as "123×" or "0.97×". */
export function times(x: number): string {
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

/** "MET" or "NOT MET". */
export function verdict(ok: boolean): string {
  return ok ? 'MET' : '**NOT MET**';
}
