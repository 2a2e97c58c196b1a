/**
 * Prometheus text exposition format 0.0.4 (pure): counters and histograms kept in memory, gauges
 * computed when scraped, rendered as `# HELP` / `# TYPE` blocks of samples. Label values are
 * escaped (backslash, double quote, newline) and numbers written as Go's text format reads them
 * (`+Inf`, `-Inf`, `NaN`).
 */
export type Labels = Readonly<Record<string, string>>;

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

const keyOf = (labels: Labels): string => JSON.stringify(Object.entries(labels));

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  render(): Promise<string[]> | string[];
}

function header(f: Pick<Family, 'name' | 'help' | 'type'>): string[] {
  return [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`];
}

export class Counter implements Family {
  readonly type = 'counter';
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels, by = 1): void {
    const key = keyOf(labels);
    const v = this.values.get(key);
    if (v) v.value += by;
    else this.values.set(key, { labels, value: by });
  }

  render(): string[] {
    return [...this.values.values()].map((v) => `${this.name}${labelText(v.labels)} ${formatValue(v.value)}`);
  }
}

export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((le, i) => {
      if (value <= le) s.counts[i]! += 1;
    });
    s.sum += value;
    s.count += 1;
  }

  render(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => out.push(`${this.name}_bucket${labelText({ ...s.labels, le: formatValue(le) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** A gauge whose samples are computed at scrape time. */
export class Gauge implements Family {
  readonly type = 'gauge';
  constructor(readonly name: string, readonly help: string, private readonly collect: () => Promise<readonly Sample[]> | readonly Sample[]) {}

  async render(): Promise<string[]> {
    return (await this.collect()).map((s) => `${this.name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
}

export class Registry {
  private readonly families: Family[] = [];

  register<F extends Family>(f: F): F {
    if (this.families.some((x) => x.name === f.name)) throw new Error(`metric ${f.name} registered twice`);
    this.families.push(f);
    return f;
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const f of this.families) lines.push(...header(f), ...(await f.render()));
    return `${lines.join('\n')}\n`;
  }
}
