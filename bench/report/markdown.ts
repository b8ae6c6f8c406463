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

/**
 * Verdict on "overhead ≤ limit %" from a 95% confidence interval of the overhead (in %): MET when the
 * whole interval is within the limit, NOT MET when all of it is above, otherwise undecided at this noise.
 */
export function overheadVerdict(
  interval: [number, number] | undefined,
  estimate: number,
  limit: number,
): string {
  if (!interval) return verdict(estimate <= limit);
  if (interval[1] <= limit) return 'MET';
  if (interval[0] > limit) return '**NOT MET**';
  return 'undecided (the interval straddles the limit)';
}

/** A percentage interval such as "−2.1% to 7.3%". */
export function pctInterval(interval: [number, number] | undefined): string {
  return interval ? `${interval[0].toFixed(1)}% to ${interval[1].toFixed(1)}%` : 'n/a';
}
