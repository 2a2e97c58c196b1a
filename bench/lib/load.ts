/**
 * Closed-loop load generator: N concurrent clients, each sending its next signed request as soon
 * as the previous reply has been read. Runs the clients on this thread's event loop, or splits them
 * over worker threads (each with its own event loop and keep-alive agent) when asked to.
 *
 * Timing: all threads share one absolute schedule (epoch ms from performance.timeOrigin, so
 * sub-millisecond and comparable across threads): warm-up from `startAt`, then the measured window
 * of `durationMs`. A request counts (throughput and latency) when it completes inside the window;
 * clients stop issuing at the window's end and the in-flight replies are drained, not counted.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { SampleBuffer, mergeSorted } from './stats.js';
import { SignedClient, type Target } from './signed-client.js';

/** How to build each request body (plain data, so it can be sent to a worker thread). */
export type BodySpec =
  /** DescribeTasks of one task picked uniformly at random from `taskArns` for every request. */
  | { kind: 'describe-random'; cluster: string; taskArns: readonly string[] }
  /** The same body every time. */
  | { kind: 'fixed'; body: string };

/** How to tell a good reply from a bad one (every reply body is JSON-parsed, so the client's cost is equal across scenarios). */
export type ReplyCheck = 'json' | 'one-task';

export interface LoadSpec {
  op: string;
  bodies: BodySpec;
  check: ReplyCheck;
}

export interface LoadPlan {
  target: Target;
  spec: LoadSpec;
  clients: number;
  /** Epoch ms at which every client starts (the warm-up begins). */
  startAt: number;
  warmupMs: number;
  durationMs: number;
}

export interface ThreadResult {
  /** Latencies (ms) of good replies completed inside the window, unsorted. */
  samples: Float64Array;
  windowOk: number;
  windowErrors: number;
  /** Over the whole run incl. warm-up and drain (e.g. how many tasks RunTask created). */
  totalOk: number;
  totalErrors: number;
  firstError?: string;
}

export interface LoadResult {
  /** Sorted latencies (ms) of good replies completed in the window. */
  sorted: Float64Array;
  windowOk: number;
  windowErrors: number;
  totalOk: number;
  totalErrors: number;
  firstError?: string;
  requestsPerSecond: number;
  threads: number;
}

/** Epoch ms with sub-millisecond precision, comparable across threads. */
export const epochNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function bodyMaker(spec: BodySpec): () => string {
  if (spec.kind === 'fixed') return () => spec.body;
  const { cluster, taskArns } = spec;
  if (taskArns.length === 0) throw new Error('describe-random needs at least one task ARN');
  return () => JSON.stringify({ cluster, tasks: [taskArns[Math.floor(Math.random() * taskArns.length)]!] });
}

function checker(check: ReplyCheck): (status: number, body: string) => string | undefined {
  return (status, body) => {
    if (status !== 200) return `HTTP ${status}: ${body.slice(0, 300)}`;
    let parsed: { tasks?: unknown[]; failures?: unknown[] };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return `reply is not JSON: ${body.slice(0, 100)}`;
    }
    if (check === 'one-task' && (parsed.tasks?.length !== 1 || (parsed.failures?.length ?? 0) !== 0)) {
      return `expected one task and no failures: ${body.slice(0, 300)}`;
    }
    return undefined;
  };
}

/** Runs `plan.clients` clients on the current thread's event loop. */
export async function runLoadInThread(plan: LoadPlan): Promise<ThreadResult> {
  const client = new SignedClient(plan.target, plan.clients);
  const nextBody = bodyMaker(plan.spec.bodies);
  const bad = checker(plan.spec.check);
  const windowStart = plan.startAt + plan.warmupMs;
  const windowEnd = windowStart + plan.durationMs;
  const samples = new SampleBuffer();
  const r = { windowOk: 0, windowErrors: 0, totalOk: 0, totalErrors: 0, firstError: undefined as string | undefined };

  const loop = async (): Promise<void> => {
    while (epochNow() < windowEnd) {
      let error: string | undefined;
      let latencyMs = 0;
      try {
        const reply = await client.send(plan.spec.op, nextBody());
        latencyMs = reply.latencyMs;
        error = bad(reply.status, reply.body);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const done = epochNow();
      const inWindow = done >= windowStart && done <= windowEnd;
      if (error === undefined) {
        r.totalOk += 1;
        if (inWindow) {
          r.windowOk += 1;
          samples.push(latencyMs);
        }
      } else {
        r.totalErrors += 1;
        if (inWindow) r.windowErrors += 1;
        r.firstError ??= error;
      }
    }
  };

  await sleep(plan.startAt - epochNow());
  await Promise.all(Array.from({ length: plan.clients }, loop));
  client.close();
  return { samples: samples.toArray(), ...r };
}

/**
 * Runs the plan's clients split over `threads` worker threads (threads <= 1: on this thread).
 * Worker threads only help if one event loop cannot keep the clients busy: on a small machine
 * they compete with the server for the same cores.
 */
export async function runLoad(plan: LoadPlan, threads: number): Promise<LoadResult> {
  let parts: ThreadResult[];
  if (threads <= 1) {
    parts = [await runLoadInThread(plan)];
  } else {
    const share = (i: number): number => Math.floor(plan.clients / threads) + (i < plan.clients % threads ? 1 : 0);
    parts = await Promise.all(Array.from({ length: threads }, (_, i) => new Promise<ThreadResult>((resolve, reject) => {
      const worker = new Worker(new URL('./load-worker.js', import.meta.url), {
        workerData: { ...plan, clients: share(i) } satisfies LoadPlan,
      });
      worker.once('message', (m: ThreadResult) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`load worker exited with ${code}`));
      });
    })));
  }
  const sorted = mergeSorted(parts.map((p) => p.samples));
  const sum = (k: 'windowOk' | 'windowErrors' | 'totalOk' | 'totalErrors'): number => parts.reduce((n, p) => n + p[k], 0);
  const firstError = parts.find((p) => p.firstError !== undefined)?.firstError;
  return {
    sorted,
    windowOk: sum('windowOk'),
    windowErrors: sum('windowErrors'),
    totalOk: sum('totalOk'),
    totalErrors: sum('totalErrors'),
    ...(firstError !== undefined ? { firstError } : {}),
    requestsPerSecond: sum('windowOk') / (plan.durationMs / 1000),
    threads: Math.max(1, threads),
  };
}
