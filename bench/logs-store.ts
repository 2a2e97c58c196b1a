/**
 * The log store at scale: fills a SqliteLogStore with N realistic log lines (default 10 million)
 * through the PutLogEvents handler, in batches of 1,000 like an agent ships them, then measures
 * FilterLogEvents for selective terms and GetLogEvents of a stream's newest 100 lines through the
 * API handlers (everything but HTTP and JSON), and prints a table.
 *
 *   node dist/bench/logs-store.js                          # 10M events in a temp dir, removed after
 *   node dist/bench/logs-store.js --events 1000000 --dir /var/tmp/logs-bench --keep
 *   node dist/bench/logs-store.js --dir /var/tmp/logs-bench --keep   # reuses what is there
 *
 * Goals (issue 5): FilterLogEvents p50 < 200 ms for a selective term over 10 million stored events;
 * GetLogEvents of the newest 100 lines p99 < 20 ms; appends fast.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { DEFAULT_LOGS_LIMITS, type LogsContext } from '../src/logs/context.js';
import { filterLogEvents, getLogEvents, putLogEvents } from '../src/logs/log-events.js';
import { createLogGroup } from '../src/logs/log-groups.js';
import { createLogStream } from '../src/logs/log-streams.js';
import { Block, type BlockRow } from '../src/logs/sqlite/blocks.js';
import { SqliteLogStore } from '../src/logs/sqlite/sqlite-log-store.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { machineBusySeconds, selfCpuSeconds } from './lib/proc-cpu.js';
import { fmtInt, fmtMs, markdownTable, percentile } from './lib/stats.js';

interface Options { events: number; groups: number; streams: number; batch: number; queries: number; dir?: string; keep: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { events: 10_000_000, groups: 1, streams: 100, batch: 1000, queries: 50, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => argv[++i] ?? '';
    if (a === '--events') o.events = Number(next());
    else if (a === '--groups') o.groups = Number(next());
    else if (a === '--streams') o.streams = Number(next());
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--dir') o.dir = next();
    else if (a === '--keep') o.keep = true;
    else if (a === '--help') {
      process.stdout.write('flags: --events N (10000000) --groups N (1) --streams N per group (100) --batch N (1000) --queries N (50) --dir DIR --keep\n');
      process.exit(0);
    } else throw new Error(`unknown flag ${a}`);
  }
  return o;
}

/** mulberry32: a small, well-mixed 32-bit generator, so runs are repeatable. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'ERROR'];
const PATHS = ['/api/v1/items', '/api/v1/users', '/health', '/api/v2/orders', '/static/app.js', '/login', '/api/v1/search'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
/** One line in RARE_EVERY carries this: the "rare term" searched for. */
export const RARE_TERM = 'OutOfMemoryError';
const RARE_EVERY = 100_000;

function lines(seed: number): (i: number) => string {
  const r = generator(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const hex = (): string => (Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0') + Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0'));
  return (i) => {
    if (r() < 0.3 && i % RARE_EVERY !== 7) {
      return JSON.stringify({ level: pick(LEVELS), msg: 'request done', path: pick(PATHS), status: pick([200, 200, 200, 404, 500]), latency: Math.floor(r() * 2000), requestId: hex() });
    }
    const rare = i % RARE_EVERY === 7 ? ` ${RARE_TERM} in worker pool` : '';
    return `${pick(LEVELS)} [worker-${Math.floor(r() * 16)}] ${pick(METHODS)} ${pick(PATHS)}/${Math.floor(r() * 100000)} ${pick([200, 200, 201, 304, 404, 500])} ${Math.floor(r() * 900)}ms req=${hex()} user=u${Math.floor(r() * 50000)}${rare}`;
  };
}

const groupName = (g: number): string => `/bench/app-${g}`;
const streamName = (s: number): string => `web/${String(s).padStart(4, '0')}`;

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

function otherCpu<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; otherCores: number }> {
  const busy0 = machineBusySeconds();
  const self0 = selfCpuSeconds();
  const t0 = performance.now();
  return fn().then((result) => {
    const ms = performance.now() - t0;
    const busy = (machineBusySeconds() ?? NaN) - (busy0 ?? NaN);
    const self = selfCpuSeconds() - self0;
    return { result, ms, otherCores: (busy - self) / (ms / 1000) };
  });
}

async function build(ctx: LogsContext, clock: ManualClock, o: Options): Promise<{ appendMs: number; otherCores: number }> {
  const now = clock.now();
  const span = 6 * 86_400_000;
  const line = lines(42);
  for (let g = 0; g < o.groups; g++) {
    await createLogGroup(ctx, { logGroupName: groupName(g) });
    for (let s = 0; s < o.streams; s++) await createLogStream(ctx, { logGroupName: groupName(g), logStreamName: streamName(s) });
  }
  const batches = Math.ceil(o.events / o.batch);
  let i = 0;
  const { ms, otherCores } = await otherCpu(async () => {
    for (let b = 0; b < batches; b++) {
      const n = Math.min(o.batch, o.events - i);
      const first = i;
      const events = Array.from({ length: n }, (_, k) => ({ timestamp: now - span + Math.floor(((first + k) * span) / o.events), message: line(first + k) }));
      i += n;
      const target = b % (o.groups * o.streams);
      await putLogEvents(ctx, { logGroupName: groupName(target % o.groups), logStreamName: streamName(Math.floor(target / o.groups)), logEvents: events });
      if (b % 1000 === 999) process.stderr.write(`  appended ${fmtInt(i)} events\n`);
    }
  });
  return { appendMs: ms, otherCores };
}

async function timed(n: number, fn: (k: number) => Promise<unknown>): Promise<{ sorted: Float64Array; otherCores: number }> {
  const samples = new Float64Array(n);
  const { otherCores } = await otherCpu(async () => {
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      await fn(k);
      samples[k] = performance.now() - t0;
    }
  });
  return { sorted: samples.sort(), otherCores };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'pier-logs-bench-'));
  const reuse = existsSync(join(dir, 'logs.db'));
  const clock = new ManualClock(Date.now());
  const store = SqliteLogStore.open({ dir, indexer: 'worker' });
  const ctx: LogsContext = { store, clock, scope: { partition: 'aws', region: 'us-east-1', accountId: '123456789012' }, log: silentLogger, limits: DEFAULT_LOGS_LIMITS };
  const started = new Date();
  process.stdout.write(`logs-store benchmark, ${started.toISOString()}\nmachine: ${describeMachine(machineInfo())}\n`);
  try {
    let appendRow: string[] = ['append: PutLogEvents, batches of ' + fmtInt(o.batch), 'reused store', '', '', ''];
    let indexRow: string[] = ['text index catch-up (worker thread)', 'reused store', '', '', ''];
    if (!reuse) {
      process.stderr.write(`building ${fmtInt(o.events)} events in ${o.groups} group(s) x ${o.streams} streams in ${dir}\n`);
      const b = await build(ctx, clock, o);
      appendRow = [appendRow[0]!, `${fmtInt(o.events / (b.appendMs / 1000))} events/s`, `${(b.appendMs / 1000).toFixed(0)} s`, '', b.otherCores.toFixed(2)];
      const ix = await otherCpu(() => store.waitForIndex(3_600_000));
      indexRow = [indexRow[0]!, `done ${(ix.ms / 1000).toFixed(0)} s after the last append`, '', '', ix.otherCores.toFixed(2)];
    } else {
      await store.waitForIndex(3_600_000);
    }
    const db = new Database(store.logsPath, { readonly: true });
    // Events are stored in blocks (src/logs/sqlite/blocks.ts); the log_events view reads them one by one.
    const stored = db.prepare('SELECT sum(count) FROM log_blocks').pluck().get() as number;
    const maxId = db.prepare('SELECT id + count - 1 FROM log_blocks ORDER BY id DESC LIMIT 1').pluck().get() as number;
    const newestTs = db.prepare('SELECT max(max_ts) FROM log_blocks').pluck().get() as number;
    const blockOf = db.prepare('SELECT b.*, g.name AS g FROM log_blocks b JOIN log_groups g ON g.id = b.group_id WHERE b.id <= ? ORDER BY b.id DESC LIMIT 1');
    const sample = {
      get: (id: number): { message: string; g: string } => {
        const r = blockOf.get(id) as BlockRow & { g: string };
        return { message: new Block(r).message(Math.min(id - r.id, r.count - 1)), g: r.g };
      },
    };
    const pick = generator(7);
    const requestIds = Array.from({ length: o.queries }, () => {
      const row = sample.get(1 + Math.floor(pick() * maxId)) as { message: string; g: string };
      const id = /req=([0-9a-f]{16})/.exec(row.message)?.[1] ?? /"requestId":"([0-9a-f]{16})"/.exec(row.message)![1]!;
      return { id, group: row.g };
    });
    db.close();

    let hits = 0;
    const byRequest = await timed(o.queries, async (k) => {
      const q = requestIds[k]!;
      const r = await filterLogEvents(ctx, { logGroupName: q.group, filterPattern: q.id });
      if (r.nextToken !== undefined || r.events.length === 0) throw new Error(`request id ${q.id}: expected a complete answer with its event`);
      hits += r.events.length;
    });
    let rareHits = 0;
    const rare = await timed(Math.min(o.queries, 20), async (k) => {
      const r = await filterLogEvents(ctx, { logGroupName: groupName(k % o.groups), filterPattern: RARE_TERM });
      if (r.nextToken !== undefined) throw new Error('rare term: expected one complete page');
      rareHits = r.events.length;
    });
    const phrase = await timed(Math.min(o.queries, 20), async (k) => {
      await filterLogEvents(ctx, { logGroupName: groupName(k % o.groups), filterPattern: `"${RARE_TERM} in worker"` });
    });
    let commonEvents = 0;
    const common = await timed(Math.min(o.queries, 20), async (k) => {
      const r = await filterLogEvents(ctx, { logGroupName: groupName(k % o.groups), filterPattern: 'ERROR' });
      commonEvents = r.events.length;
    });
    let tailEvents = 0;
    const tail = await timed(Math.min(o.queries, 20), async (k) => {
      const r = await filterLogEvents(ctx, { logGroupName: groupName(k % o.groups), startTime: newestTs - 600_000, interleaved: true });
      tailEvents = r.events.length;
    });
    const newest = await timed(1000, async (k) => {
      const r = await getLogEvents(ctx, { logGroupName: groupName(k % o.groups), logStreamName: streamName(Math.floor(k / o.groups) % o.streams), limit: 100 });
      if (r.events.length !== 100) throw new Error('expected 100 events');
    });
    const row = (name: string, t: { sorted: Float64Array; otherCores: number }, goal: string): string[] =>
      [name, `p50 ${fmtMs(percentile(t.sorted, 50))} ms`, `p99 ${fmtMs(percentile(t.sorted, 99))} ms`, goal, t.otherCores.toFixed(2)];
    const table = markdownTable(['measure', 'p50 (or rate)', 'p99 (or time)', 'goal', 'other CPU (cores)'], [
      row(`FilterLogEvents, one request id (${o.queries} ids, ${(hits / o.queries).toFixed(1)} hit each)`, byRequest, 'p50 < 200 ms'),
      row(`FilterLogEvents, rare term "${RARE_TERM}" (${rareHits} hits)`, rare, '-'),
      row(`FilterLogEvents, quoted phrase "${RARE_TERM} in worker"`, phrase, '-'),
      row(`FilterLogEvents, common term "ERROR", first page (${fmtInt(commonEvents)} events)`, common, '-'),
      row(`FilterLogEvents, no pattern, the newest 10 minutes, first page (${fmtInt(tailEvents)} events; what aws logs tail asks first)`, tail, '-'),
      row('GetLogEvents, newest 100 lines of a stream (1,000 calls)', newest, 'p99 < 20 ms'),
      appendRow,
      indexRow,
    ]);
    process.stdout.write(`\n${fmtInt(stored)} events stored in ${o.groups} group(s) of ${o.streams} streams; logs.db + search.db = ${(dirBytes(dir) / 1e9).toFixed(2)} GB\n\n${table}\n`);
    process.stdout.write('\n"other CPU" is what the rest of the machine used meanwhile, in cores (of 2 here): figures taken beside busy neighbours are slower.\n');
  } finally {
    await store.close();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
