/**
 * A metric's values with how often each occurred, ascending by value: what percentiles are
 * computed from. Exact while a bucket holds at most MAX_EXACT_VALUES distinct values; past that the
 * values are moved to a logarithmic grid (each kept value within GRID_RATIO of the values it
 * stands for), so a long period of a busy metric costs a bounded few kilobytes and percentiles
 * stay within about 1 % (more when the values span many orders of magnitude) — the trade CloudWatch makes too (its percentiles over large sets are
 * approximations). Stored as a Float64Array of value, count pairs.
 */
export type Distribution = readonly (readonly [value: number, count: number])[];

export const MAX_EXACT_VALUES = 512;
/** Neighbouring grid points differ by this factor (≈ ±1 % around each kept value). */
export const GRID_RATIO = 1.02;

/** Merges two distributions (each ascending), compressing when the result is too large. */
export function mergeDistributions(a: Distribution, b: Distribution): Distribution {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    let next: readonly [number, number];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      next = x!;
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      next = y;
      j++;
    } else {
      next = [x[0], x[1] + y[1]];
      i++;
      j++;
    }
    out.push([next[0], next[1]]);
  }
  return out.length > MAX_EXACT_VALUES ? compress(out) : out;
}

/** Builds a distribution from values and their counts in any order (zero counts dropped). */
export function distributionOf(values: readonly number[], counts?: readonly number[]): Distribution {
  const pairs: [number, number][] = values.map((v, k) => [v, counts?.[k] ?? 1]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [v, c] of pairs) {
    if (c <= 0) continue;
    const last = out[out.length - 1];
    if (last && last[0] === v) last[1] += c;
    else out.push([v, c]);
  }
  return out.length > MAX_EXACT_VALUES ? compress(out) : out;
}

/**
 * The log-grid step (natural log of the ratio between neighbouring grid points) that fits the
 * distribution's magnitudes into about MAX_EXACT_VALUES points: ln(GRID_RATIO), or wider when the
 * values span more orders of magnitude than that grid can hold. A value moves by at most half a
 * step (a factor of e^(step/2)).
 */
export function gridStep(d: Distribution): number {
  let span = 0;
  for (const sign of [1, -1]) {
    const logs = d.filter(([v]) => Math.sign(v) === sign).map(([v]) => Math.log(Math.abs(v)));
    if (logs.length > 1) span += Math.max(...logs) - Math.min(...logs);
  }
  return Math.max(Math.log(GRID_RATIO), span / (MAX_EXACT_VALUES - 4));
}

/** Moves values onto a logarithmic grid (gridStep) so that few enough remain. */
export function compress(d: Distribution): Distribution {
  let step = gridStep(d);
  let out: [number, number][] = d.map(([v, c]) => [v, c]);
  while (out.length > MAX_EXACT_VALUES) {
    const s = step;
    const grid = (v: number): number => (v === 0 ? 0 : Math.sign(v) * Math.exp(Math.round(Math.log(Math.abs(v)) / s) * s));
    const merged: [number, number][] = [];
    for (const [v, c] of out) {
      const g = grid(v);
      const last = merged[merged.length - 1];
      if (last && last[0] === g) last[1] += c;
      else merged.push([g, c]);
    }
    out = merged;
    step *= 2;
  }
  return out;
}

/**
 * The nearest-rank percentile: the smallest value that at least `p` % of the samples do not
 * exceed (p0 is the minimum, p100 the maximum). Undefined for an empty distribution.
 */
export function percentileOf(d: Distribution, p: number): number | undefined {
  let total = 0;
  for (const [, c] of d) total += c;
  if (total <= 0) return undefined;
  const rank = Math.max(Math.ceil((p / 100) * total - 1e-9), 1);
  let seen = 0;
  for (const [v, c] of d) {
    seen += c;
    if (seen >= rank - 1e-9) return v;
  }
  return d[d.length - 1]?.[0];
}

export function encodeDistribution(d: Distribution): Buffer {
  const f = new Float64Array(d.length * 2);
  d.forEach(([v, c], k) => {
    f[2 * k] = v;
    f[2 * k + 1] = c;
  });
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

export function decodeDistribution(buf: Uint8Array): Distribution {
  const copy = new Float64Array(buf.byteLength / 8);
  new Uint8Array(copy.buffer).set(buf.subarray(0, copy.byteLength));
  const out: [number, number][] = [];
  for (let k = 0; k + 1 < copy.length; k += 2) out.push([copy[k]!, copy[k + 1]!]);
  return out;
}
