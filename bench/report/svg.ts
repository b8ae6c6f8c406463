/** A small SVG line chart written as text: several series on log-scale x and y axes. */

/** One line of the chart. */
export interface Series {
  name: string;
  color: string;
  /** Points as [x, y]; both > 0 (log scales). */
  points: [number, number][];
}

/** Labels and size of the chart. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A tick label: 1000 → "1k", 1000000 → "1M". */
function short(x: number): string {
  if (x >= 1e6) return `${x / 1e6}M`;
  if (x >= 1e3) return `${x / 1e3}k`;
  return String(x);
}

/** Render `series` as an SVG document: log10 x and y axes with a grid line at every decade. */
export function lineChart(series: Series[], options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const m = { left: 64, right: 150, top: 40, bottom: 50 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const lo = Math.floor(Math.log10(Math.min(...xs)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...xs))));
  const yLo = Math.floor(Math.log10(Math.min(...ys)));
  const yHi = Math.max(yLo + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const px = (x: number) => m.left + ((Math.log10(x) - lo) / (hi - lo)) * plotW;
  const py = (y: number) => m.top + plotH - ((Math.log10(y) - yLo) / (yHi - yLo)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${esc(options.title)}</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    const x = px(10 ** d).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${m.top + plotH + 16}" text-anchor="middle">${short(10 ** d)}</text>`);
  }
  for (let d = yLo; d <= yHi; d++) {
    const y = py(10 ** d).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dy="4">${+(10 ** d).toPrecision(3)}</text>`);
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    const ly = m.top + 10 + i * 18;
    const lx = m.left + plotW + 12;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 24}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
