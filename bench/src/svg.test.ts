import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, niceMax, wrapLabel } from './svg.js';

describe('SVG writer', () => {
  it('escapes markup in labels', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const svg = barChart({ title: '<script>', yLabel: 'ms', categories: ['x & y'], series: [{ name: 's', values: [1] }] });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('x &amp; y');
  });

  it('draws one bar per category and series, scaled to a nice axis maximum', () => {
    const svg = barChart({ title: 't', yLabel: 'req/s', categories: ['a', 'b', 'c'], series: [{ name: 'p50', values: [1, 2, 3] }, { name: 'p99', values: [4, 5, 6] }] });
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(6);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(niceMax(6)).toBe(10);
    expect(niceMax(1200)).toBe(2000);
    expect(niceMax(0)).toBe(1);
  });

  it('wraps long category labels on word boundaries', () => {
    expect(wrapLabel('bare route + SET NX and add pipelined', 14)).toEqual(['bare route +', 'SET NX and add', 'pipelined']);
    expect(wrapLabel('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });

  it('draws NaN as an empty bar labelled n/a, never as NaN coordinates', () => {
    const svg = barChart({ title: 't', yLabel: 'y', categories: ['a'], series: [{ name: 's', values: [Number.NaN] }] });
    expect(svg).toContain('n/a');
    expect(svg).not.toMatch(/="NaN"|NaN,|,NaN/);
  });

  it('draws a polyline per series and thins long series', () => {
    const points = Array.from({ length: 5000 }, (_, i): [number, number] => [i / 100, i]);
    const svg = lineChart({ title: 't', xLabel: 's', yLabel: 'n', series: [{ name: 'ours', points }, { name: 'baseline', points: [[0, 0], [1, 1]] }] });
    const lines = svg.match(/<polyline [^>]*points="([^"]*)"/g)!;
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(' ').length).toBeLessThan(700);
  });
});
