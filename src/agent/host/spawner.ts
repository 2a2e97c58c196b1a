/**
 * The agent's spawner: a small long-lived helper process (spawner-process.ts, node with a small
 * heap and no JIT) that starts host commands on the agent's behalf, so the agent's own event loop
 * never forks. Why: libuv forks and waits for the exec synchronously, and on these VMs a fork
 * costs about 8-15 ms from a 240 MB process (its page tables are copied) against 3-4 ms from the
 * helper; a launch makes about eight such commands. The helper runs exactly the code the agent
 * would (spawn-local.ts), so timeouts, output caps and exit statuses are the same.
 *
 * Protocol: one JSON object per line each way over the helper's stdin/stdout; requests carry an
 * id, replies answer it (any order). The helper is started on first use and unreferenced while
 * idle, so it never keeps a process alive; it exits when its stdin closes (the agent died or
 * exited), leaving what it started running, as the agent's own children would be left. Detached
 * commands (the shims) lead their own sessions and outlive both.
 *
 * If the helper cannot be started or dies, requests in flight fail with a spawnError (never run
 * twice: the command may have started), and the next request starts a new helper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DetachOptions, RunOptions, RunResult } from './exec.js';

/** What the helper is asked: run a command to completion, or start one detached. */
export type SpawnRequest =
  | { id: number; op: 'run'; argv: string[]; opts: SerializedRunOptions }
  | { id: number; op: 'detach'; argv: string[]; opts: DetachOptions };

export type SerializedRunOptions = Omit<RunOptions, 'stdoutFd' | 'stderrFd'>;

export type SpawnReply =
  | { id: number; result: Omit<RunResult, 'spawnError' | 'argv'> & { spawnError?: string } }
  | { id: number; pid: number }
  | { id: number; error: string };

export const HELPER_PATH = fileURLToPath(new URL('./spawner-process.js', import.meta.url));

/** Small, since the helper's own fork cost grows with its memory; no JIT (it does little JS). */
const HELPER_NODE_FLAGS = ['--jitless', '--no-expose-wasm', '--max-old-space-size=32', '--max-semi-space-size=1', '--v8-pool-size=1'];

interface Pending {
  resolve: (reply: SpawnReply) => void;
}

export class Spawner {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Whether a helper can be used at all (its script is built next to this file). */
  static available(): boolean {
    return existsSync(HELPER_PATH);
  }

  /** Starts the helper now (it starts on first use otherwise). */
  start(): void {
    this.ensure();
  }

  run(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
    const { stdoutFd: _o, stderrFd: _e, ...rest } = opts;
    const started = performance.now();
    return this.request({ op: 'run', argv: [...argv], opts: withoutOwnEnv(rest) }).then((reply) => {
      if ('result' in reply) {
        const { spawnError, ...r } = reply.result;
        return { argv, ...r, ...(spawnError !== undefined ? { spawnError: new Error(spawnError) } : {}) };
      }
      const message = 'error' in reply ? reply.error : 'unexpected reply from the spawner';
      return { argv, status: -1, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: performance.now() - started, spawnError: new Error(message) };
    });
  }

  detach(argv: readonly string[], opts: DetachOptions): Promise<number> {
    return this.request({ op: 'detach', argv: [...argv], opts: withoutOwnEnv(opts) }).then((reply) => {
      if ('pid' in reply) return reply.pid;
      throw new Error('error' in reply ? reply.error : 'unexpected reply from the spawner');
    });
  }

  /** Ends the helper (it also ends by itself when this process exits). */
  stop(): void {
    const c = this.child;
    this.child = undefined;
    c?.stdin?.end();
  }

  private request(req: Omit<SpawnRequest, 'id'>): Promise<SpawnReply> {
    const id = this.nextId++;
    return new Promise<SpawnReply>((resolve) => {
      let child: ChildProcess;
      try {
        child = this.ensure();
      } catch (err) {
        resolve({ id, error: `cannot start the spawner helper: ${(err as Error).message}` });
        return;
      }
      this.pending.set(id, { resolve });
      if (this.pending.size === 1) this.setRef(true);
      child.stdin!.write(`${JSON.stringify({ ...req, id })}\n`);
    });
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(process.execPath, [...HELPER_NODE_FLAGS, HELPER_PATH], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: process.env,
    });
    this.child = child;
    child.stdin!.on('error', () => undefined); // a dead helper shows as 'exit'
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.on('error', (err) => this.failAll(child, `spawner helper: ${err.message}`));
    child.on('exit', (code, signal) => this.failAll(child, `the spawner helper exited (${signal ?? code}) before answering`));
    if (this.pending.size === 0) this.setRef(false);
    return child;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      let reply: SpawnReply;
      try {
        reply = JSON.parse(line) as SpawnReply;
      } catch {
        continue;
      }
      const p = this.pending.get(reply.id);
      if (!p) continue;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.setRef(false);
      p.resolve(reply);
    }
  }

  private failAll(child: ChildProcess, message: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.buffered = '';
    const all = [...this.pending];
    this.pending.clear();
    for (const [id, p] of all) p.resolve({ id, error: message });
  }

  /** Referenced only while requests are in flight: an idle helper never keeps this process alive. */
  private setRef(on: boolean): void {
    const c = this.child;
    if (!c) return;
    const handles = [c, c.stdin as unknown as { ref(): void; unref(): void } | null, c.stdout as unknown as { ref(): void; unref(): void } | null];
    for (const h of handles) {
      if (!h) continue;
      if (on) h.ref();
      else h.unref();
    }
  }
}

/** The helper starts with this process's environment: do not send it again. */
function withoutOwnEnv<T extends { env?: NodeJS.ProcessEnv }>(opts: T): T {
  if (opts.env !== process.env) return opts;
  const { env: _env, ...rest } = opts;
  return rest as T;
}
