/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top frames by self time, and the top
 * functions by inclusive ("total") time, with file:line relative to the repository.
 *
 *   node dist/bench/lib/cpuprofile-top.js <file.cpuprofile> [--top N] [--last-seconds S]
 *
 * It also prints self time grouped by area of the code (SigV4, SQLite store, node:http, ...): a
 * sample goes to the area of its nearest frame that belongs to one, so native frames (a syscall,
 * an HMAC) count for the JavaScript that called them.
 *
 * --last-seconds keeps only the samples of the profile's last S seconds (e.g. the final load
 * scenario of a benchmark run, without the seeding before it). "(idle)" samples are not counted.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface FrameCost { frame: string; selfMs: number; selfPct: number; totalMs: number; totalPct: number }

function frameName(cf: CallFrame): string {
  const fn = cf.functionName || '(anonymous)';
  if (!cf.url) return fn;
  const url = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${fn} ${url}:${cf.lineNumber + 1}`;
}

/** Self and inclusive time per frame (a frame = function + location); recursion counted once per sample. */
const AREAS: readonly (readonly [RegExp, string])[] = [
  [/src\/api\/auth\//, 'SigV4 verification (src/api/auth)'],
  [/src\/store\/sqlite\/|better-sqlite3/, 'SQLite store (src/store/sqlite, better-sqlite3)'],
  [/src\/(control-plane|scheduler)\//, 'control-plane logic (src/control-plane, src/scheduler)'],
  [/src\/api\/(json-service|model\/)/, 'body JSON parse + model validation (src/api/json-service, src/api/model)'],
  [/src\/api\/protocol\.js/, 'reply JSON.stringify (src/api/protocol sendJson)'],
  [/src\/api\//, 'edge routing (src/api)'],
  [/_http_outgoing|stream_base_commons|internal\/streams\/writable|node:net/, 'node:http response write (incl. writev syscall)'],
  [/_http_incoming|_http_common|_http_server|internal\/streams\/readable/, 'node:http request parsing'],
];

function areaOf(url: string): string | undefined {
  return AREAS.find(([re]) => re.test(url))?.[1];
}

export function summarise(profile: CpuProfile, lastSeconds?: number): { totalMs: number; frames: FrameCost[]; areas: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const sampleMs = new Map<number, number>();
  const since = lastSeconds === undefined ? -Infinity : profile.endTime - lastSeconds * 1e6;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < since) continue;
    const id = profile.samples[i]!;
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    // A sample's duration is the gap to the next sample.
    sampleMs.set(id, (sampleMs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of sampleMs) {
    totalMs += ms;
    const leaf = byId.get(id)!;
    let area: string | undefined;
    for (let at: number | undefined = id; at !== undefined && area === undefined; at = parent.get(at)) area = areaOf(byId.get(at)!.callFrame.url);
    area ??= leaf.callFrame.functionName === '(garbage collector)' ? 'garbage collector' : 'other (event loop, promises, timers, ...)';
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const leafName = frameName(leaf.callFrame);
    self.set(leafName, (self.get(leafName) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  }
  const frames = [...total.keys()].map((frame) => {
    const s = self.get(frame) ?? 0;
    const t = total.get(frame) ?? 0;
    return { frame, selfMs: s, selfPct: (100 * s) / totalMs, totalMs: t, totalPct: (100 * t) / totalMs };
  });
  return { totalMs, frames, areas };
}

function main(): void {
  const file = process.argv[2];
  const topIdx = process.argv.indexOf('--top');
  const top = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 30;
  const lastIdx = process.argv.indexOf('--last-seconds');
  const lastSeconds = lastIdx > 0 ? Number(process.argv[lastIdx + 1]) : undefined;
  if (!file) {
    process.stderr.write('usage: node dist/bench/lib/cpuprofile-top.js <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const { totalMs, frames, areas } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, lastSeconds);
  const row = (f: FrameCost): string =>
    `${f.selfPct.toFixed(1).padStart(5)}% ${f.selfMs.toFixed(0).padStart(7)} ms | ${f.totalPct.toFixed(1).padStart(5)}% ${f.totalMs.toFixed(0).padStart(7)} ms | ${f.frame}`;
  process.stdout.write(`profile: ${(totalMs / 1000).toFixed(1)} s of CPU sampled (idle excluded)${lastSeconds !== undefined ? ` in the last ${lastSeconds} s` : ''}\n\n`);
  process.stdout.write('self time by area\n');
  for (const [area, ms] of [...areas].sort((a, b) => b[1] - a[1])) process.stdout.write(`${((100 * ms) / totalMs).toFixed(1).padStart(5)}% ${ms.toFixed(0).padStart(7)} ms | ${area}\n`);
  process.stdout.write(`\ntop ${top} by self time (self | total | frame)\n`);
  for (const f of [...frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) process.stdout.write(row(f) + '\n');
  process.stdout.write(`\ntop ${top} by total (inclusive) time (self | total | frame)\n`);
  for (const f of [...frames].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) process.stdout.write(row(f) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
