/**
 * Tiny SVG charts for the report: grouped bars and step lines. Plain strings, no dependency; every label is
 * escaped, every number is finite (NaN and ±Infinity draw as 0 and show as "n/a").
 */

const W = 720;
const H = 360;
const M = { top: 40, right: 20, bottom: 70, left: 70 };
const PALETTE = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#c53030', '#718096'];

/** Escapes text for SVG/XML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Splits a label into lines of at most `maxChars` (words kept whole unless one is longer). */
export function wrapLabel(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= maxChars) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

const finite = (v: number) => (Number.isFinite(v) ? v : 0);
const fmt = (v: number) => (!Number.isFinite(v) ? 'n/a' : Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

/** A "nice" axis maximum (1, 2, 2.5 or 5 × 10^n) at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

function frame(title: string, yLabel: string, yMax: number, body: string, legend: string[]): string {
  const plotH = H - M.top - M.bottom;
  const ticks = Array.from({ length: 5 }, (_, i) => (yMax * i) / 4);
  const grid = ticks
    .map((t) => {
      const y = M.top + plotH - (t / yMax) * plotH;
      return `<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e2e8f0"/><text x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(t)}</text>`;
    })
    .join('');
  const step = Math.min(150, (W - M.left - M.right) / Math.max(1, legend.length));
  const legendSvg = legend
    .map((name, i) => `<rect x="${M.left + i * step}" y="${H - 22}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${M.left + i * step + 16}" y="${H - 12}" font-size="11">${escapeXml(name)}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="16" y="${M.top + plotH / 2}" font-size="11" transform="rotate(-90 16 ${M.top + plotH / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    grid,
    body,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#4a5568"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#4a5568"/>`,
    legendSvg,
    '</svg>',
    '',
  ].join('\n');
}

/** Grouped bar chart: one group per category, one bar per series; values printed above the bars. */
export function barChart(opts: { title: string; yLabel: string; categories: string[]; series: Array<{ name: string; values: number[] }> }): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const yMax = niceMax(Math.max(0, ...opts.series.flatMap((s) => s.values.map(finite))));
  const groupW = plotW / Math.max(1, opts.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, opts.series.length);
  const bars: string[] = [];
  opts.categories.forEach((cat, ci) => {
    const x0 = M.left + ci * groupW + groupW * 0.1;
    opts.series.forEach((s, si) => {
      const v = s.values[ci] ?? Number.NaN;
      const h = (finite(v) / yMax) * plotH;
      const x = x0 + si * barW;
      const y = M.top + plotH - h;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW * 0.92).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${s.name} · ${cat}: ${fmt(v)}`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(v)}</text>`,
      );
    });
    const cx = (M.left + ci * groupW + groupW / 2).toFixed(1);
    const lines = wrapLabel(cat, Math.max(6, Math.floor(groupW / 6.2)));
    bars.push(`<text x="${cx}" y="${M.top + plotH + 16}" text-anchor="middle" font-size="11">${lines.map((l, i) => `<tspan x="${cx}" dy="${i === 0 ? 0 : 13}">${escapeXml(l)}</tspan>`).join('')}</text>`);
  });
  return frame(opts.title, opts.yLabel, yMax, bars.join('\n'), opts.series.length > 1 ? opts.series.map((s) => s.name) : []);
}

/** Line chart of (x, y) points per series (step-free polylines; points sorted by x). */
export function lineChart(opts: { title: string; xLabel: string; yLabel: string; series: Array<{ name: string; points: Array<[number, number]> }> }): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const all = opts.series.flatMap((s) => s.points);
  const xMax = niceMax(all.reduce((m, [x]) => Math.max(m, finite(x)), 0));
  const yMax = niceMax(all.reduce((m, [, y]) => Math.max(m, finite(y)), 0));
  // Long series are thinned to ~600 points: a chart does not need 10,000 vertices.
  const thin = (pts: Array<[number, number]>) => (pts.length <= 600 ? pts : pts.filter((_, i) => i % Math.ceil(pts.length / 600) === 0 || i === pts.length - 1));
  const lines = opts.series.map((s, si) => {
    const pts = thin([...s.points].sort((a, b) => a[0] - b[0]))
      .map(([x, y]) => `${(M.left + (finite(x) / xMax) * plotW).toFixed(1)},${(M.top + plotH - (finite(y) / yMax) * plotH).toFixed(1)}`)
      .join(' ');
    return `<polyline fill="none" stroke="${PALETTE[si % PALETTE.length]}" stroke-width="2" points="${pts}"><title>${escapeXml(s.name)}</title></polyline>`;
  });
  const xTicks = Array.from({ length: 6 }, (_, i) => (xMax * i) / 5)
    .map((t) => `<text x="${(M.left + (t / xMax) * plotW).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle" font-size="11">${fmt(t)}</text>`)
    .join('');
  const xLabel = `<text x="${M.left + plotW / 2}" y="${M.top + plotH + 34}" text-anchor="middle" font-size="11">${escapeXml(opts.xLabel)}</text>`;
  return frame(opts.title, opts.yLabel, yMax, [...lines, xTicks, xLabel].join('\n'), opts.series.map((s) => s.name));
}
