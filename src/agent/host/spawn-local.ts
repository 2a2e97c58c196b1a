/**
 * Starting processes from *this* process: what `runCommand` does when no spawner helper is in use,
 * and what the helper (spawner-process.ts) does for the agent. Counted in `spawnStats`: libuv
 * forks and then waits for the child's exec, synchronously, so each spawn blocks the event loop
 * (here 8-15 ms from a 240 MB process: the fork copies its page tables; 3-4 ms from the helper).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { DetachOptions, RunOptions, RunResult } from './exec.js';

let spawnCount = 0;
let spawnBlockedMs = 0;

/** Processes started by this process so far, and the ms its event loop was blocked starting them. */
export function localSpawnStats(): { count: number; blockedMs: number } {
  return { count: spawnCount, blockedMs: spawnBlockedMs };
}

/** `child_process.spawn`, counted in localSpawnStats. */
export function timedSpawn(file: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
  const t0 = performance.now();
  try {
    return spawn(file, args, opts);
  } finally {
    spawnCount++;
    spawnBlockedMs += performance.now() - t0;
  }
}

export function signalNumber(signal: NodeJS.Signals | string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[signal];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 1 << 20;

/** Opens the `outputFile` of RunOptions for appending, or returns the fds given; `close` closes what it opened. */
function outputFds(opts: RunOptions): { out: number | 'pipe'; err: number | 'pipe'; close: () => void } {
  if (opts.outputFile === undefined) return { out: opts.stdoutFd ?? 'pipe', err: opts.stderrFd ?? 'pipe', close: () => undefined };
  const fd = openSync(opts.outputFile, 'a');
  return { out: fd, err: fd, close: () => closeSync(fd) };
}

/** runCommand's work, done in this process. Never rejects. */
export function runLocal(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new TypeError('runCommand: empty argv'));
  const started = performance.now();
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve) => {
    let fds: ReturnType<typeof outputFds>;
    try {
      fds = outputFds(opts);
    } catch (e) {
      resolve({ argv, status: -1, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: performance.now() - started, spawnError: e as Error });
      return;
    }
    let child: ChildProcess;
    try {
      child = timedSpawn(file, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: [opts.input !== undefined ? 'pipe' : 'ignore', fds.out, fds.err],
      });
    } finally {
      fds.close(); // the child has its own copies
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const collect = (into: Buffer[]) => {
      let size = 0;
      return (chunk: Buffer) => {
        if (size >= max) return;
        into.push(chunk.subarray(0, max - size));
        size += chunk.length;
      };
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    let timedOut = false;
    let settled = false;
    const finish = (status: number, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        argv, status, signal, timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: performance.now() - started,
        ...(spawnError ? { spawnError } : {}),
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      // A grandchild may still hold our pipes open (e.g. a process inside a sandbox): do not wait for EOF.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(128 + 9, 'SIGKILL');
      }, 200).unref();
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (e) => finish(-1, null, e));
    child.on('close', (code, signal) => finish(code ?? 128 + (signal ? signalNumber(signal) ?? 0 : 0), signal));
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined); // the command may exit without reading its input
      child.stdin?.end(opts.input);
    }
  });
}

/**
 * launchDetached's work, done in this process: the command leads its own session, its stdio goes
 * to files (appended), nothing of it is tied to this process. Resolves with its pid.
 */
export function detachLocal(argv: readonly string[], opts: DetachOptions): Promise<number> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new TypeError('launchDetached: empty argv'));
  let out: number | undefined;
  let err: number | undefined;
  try {
    out = openSync(opts.stdoutFile, 'a');
    err = openSync(opts.stderrFile, 'a');
    const child = timedSpawn(file, args, { detached: true, stdio: ['ignore', out, err], cwd: opts.cwd, env: opts.env ?? process.env });
    child.on('error', () => undefined); // reported through the missing pid
    child.unref();
    const pid = child.pid;
    if (pid === undefined) return Promise.reject(new Error(`could not start ${argv.slice(0, 3).join(' ')}`));
    if (opts.pidFile !== undefined) {
      try {
        writeFileSync(`${opts.pidFile}.tmp`, `${pid}\n`);
        renameSync(`${opts.pidFile}.tmp`, opts.pidFile);
      } catch (e) {
        try {
          process.kill(-pid, 'SIGKILL'); // nobody could find it: do not leave it running
        } catch {
          // already gone
        }
        throw e;
      }
    }
    return Promise.resolve(pid);
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  } finally {
    if (out !== undefined) closeSync(out);
    if (err !== undefined) closeSync(err);
  }
}
