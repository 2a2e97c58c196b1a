/** Latency statistics and plain-text/markdown table rendering for the benchmarks. */

/** Exact percentile (nearest-rank) of an ascending-sorted sample, in the sample's unit. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Concatenates and sorts latency samples (ms). */
export function mergeSorted(parts: readonly Float64Array[]): Float64Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

/** Growable Float64 buffer: avoids boxing 100k+ latency samples in a JS array. */
export class SampleBuffer {
  private buf = new Float64Array(1 << 14);
  private n = 0;
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
  get length(): number {
    return this.n;
  }
  /** A copy holding exactly the samples pushed. */
  toArray(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

/** Renders a GitHub-flavoured markdown table with padded columns (readable on a terminal too). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], rightAlign: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number): string => (rightAlign.has(i) ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => cell(c, i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAlign.has(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
