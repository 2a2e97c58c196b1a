/**
 * Prometheus text read with a real parser (parse-prometheus-text-format), and checked to have been
 * read whole, for the suites that scrape GET /metrics.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

export interface PromFamily { name: string; type: string; metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[] }
export const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => PromFamily[];

/**
 * Parses /metrics text and checks it was read whole: every counter and gauge sample line is one
 * parsed sample. The parser folds a histogram's label sets into one, so histograms are checked
 * here instead: per label set, cumulative buckets ending in +Inf, then _sum, then _count equal to
 * the +Inf bucket.
 */
export function checkPrometheusText(text: string): PromFamily[] {
  const families = parsePrometheus(text);
  const types = new Map(families.map((f) => [f.name, f.type]));
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const familyOf = (line: string): string => {
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return types.has(name) ? name : base;
  };
  const plain = lines.filter((l) => types.get(familyOf(l)) !== 'HISTOGRAM');
  const parsed = families.filter((f) => f.type !== 'HISTOGRAM').reduce((n, f) => n + f.metrics.length, 0);
  assert.equal(parsed, plain.length, 'every counter and gauge sample line was read by the parser');
  const series = new Map<string, { le: number[]; counts: number[]; sum?: number; count?: number }>();
  for (const l of lines.filter((x) => types.get(familyOf(x)) === 'HISTOGRAM')) {
    const m = /^(\w+?)_(bucket|sum|count)(?:\{(.*)\})? (\S+)$/.exec(l);
    assert.ok(m, `histogram line: ${l}`);
    const le = /(?:^|,)le="([^"]+)"/.exec(m[3] ?? '')?.[1];
    const key = `${m[1]}{${(m[3] ?? '').replace(/,?le="[^"]+"/, '')}}`;
    const s = series.get(key) ?? series.set(key, { le: [], counts: [] }).get(key)!;
    if (m[2] === 'bucket') (s.le.push(le === '+Inf' ? Infinity : Number(le)), s.counts.push(Number(m[4])));
    else if (m[2] === 'sum') s.sum = Number(m[4]);
    else s.count = Number(m[4]);
  }
  for (const [key, s] of series) {
    assert.ok(s.le.length > 1 && s.le[s.le.length - 1] === Infinity, `${key}: buckets end in +Inf`);
    assert.ok(s.le.every((x, i) => i === 0 || x > s.le[i - 1]!) && s.counts.every((x, i) => i === 0 || x >= s.counts[i - 1]!), `${key}: cumulative buckets`);
    assert.equal(s.count, s.counts[s.counts.length - 1], `${key}: _count is the +Inf bucket`);
    assert.ok(Number.isFinite(s.sum), `${key}: _sum`);
  }
  return families;
}

