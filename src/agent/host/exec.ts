/**
 * Runs a host command and waits for it: argv only (never a shell string), a timeout, captured
 * output (capped), and the exit status folded the way shells and container runtimes report it
 * (128 + signal number when killed by a signal). Every agent module that runs `ip`, `runsc`,
 * `runc`, `mount`, … goes through here, so timeouts and error messages look the same everywhere.
 *
 * `runCommand` never rejects for a non-zero exit: callers that only want success use
 * `runCommandOk`, which throws a `HostCommandError` carrying the command, status and stderr.
 *
 * Commands are started by spawner helpers (spawner.ts; two, so that the exec waits of commands
 * asked for at once, e.g. a launch's ip, nft and mount, overlap on two cores) unless they are
 * switched off or cannot be used, or the caller hands over file descriptors of this process
 * (`stdoutFd`/`stderrFd`; use `outputFile` instead); either way they run the same code
 * (spawn-local.ts).
 */
import { detachLocal, localSpawnStats, runLocal } from './spawn-local.js';
import { Spawner } from './spawner.js';

export { signalNumber } from './spawn-local.js';

export interface RunOptions {
  /** Kill the command (SIGKILL) after this long. Default 30 s. */
  timeoutMs?: number;
  /** Written to the command's standard input, which is then closed. Default: no input (/dev/null). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Send stdout/stderr to these file descriptors instead of capturing them. Needed for commands
   * that leave long-lived children holding their stdio (`runsc create`): a captured pipe would
   * never reach end-of-file. Prefer `outputFile`: fds of this process keep the command in it.
   */
  stdoutFd?: number;
  stderrFd?: number;
  /** Append stdout and stderr to this file instead of capturing them (as stdoutFd/stderrFd). */
  outputFile?: string;
  /** Captured output beyond this many bytes per stream is dropped. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface RunResult {
  argv: readonly string[];
  /** Exit status: the exit code, or 128 + signal number; -1 if it could not be spawned. */
  status: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Set when spawning failed (e.g. ENOENT). */
  spawnError?: Error;
}

/** A command started detached: its own session, stdio appended to files, tied to nothing here. */
export interface DetachOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdoutFile: string;
  stderrFile: string;
  /**
   * Written atomically with the pid right after the start (before the caller hears of it), by
   * whoever started it: the pid is on disk even if the caller dies meanwhile.
   */
  pidFile?: string;
}

export class HostCommandError extends Error {
  override readonly name = 'HostCommandError';
  constructor(readonly result: RunResult) {
    super(describeFailure(result));
  }
}

const HELPERS = 2;
let spawners: Spawner[] = [];
let useSpawner = Spawner.available();
let viaSpawner = 0;

/**
 * Whether commands go through the spawner helper (default: yes, when its script is built). Off,
 * every command is spawned by this process; switching off stops a running helper.
 */
export function setSpawnerEnabled(on: boolean): void {
  useSpawner = on && Spawner.available();
  if (!useSpawner) {
    for (const sp of spawners) sp.stop();
    spawners = [];
  }
}

/** Starts the spawner helper now rather than at the first command (no-op when it is off). */
export function startSpawner(): void {
  if (!useSpawner) return;
  while (spawners.length < HELPERS) spawners.push(new Spawner());
  for (const sp of spawners) sp.start();
}

/**
 * Commands started so far (by this process or the helper), and the ms this process's event loop
 * was blocked starting the ones it spawned itself.
 */
export function spawnStats(): { count: number; blockedMs: number } {
  const local = localSpawnStats();
  return { count: local.count + viaSpawner, blockedMs: local.blockedMs };
}

/** A command that finished: when it was asked for (performance.now()), how long it ran, how long the caller waited. */
export interface CommandTiming {
  command: string;
  askedAt: number;
  ranMs: number;
  waitedMs: number;
}

const RECENT_MAX = 64;
const recent: CommandTiming[] = [];

/** The last 64 commands runCommand finished (for launch traces). */
export function recentCommands(): readonly CommandTiming[] {
  return recent;
}

export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  if (argv.length === 0) return Promise.reject(new TypeError('runCommand: empty argv'));
  const askedAt = performance.now();
  let p: Promise<RunResult>;
  if (!useSpawner || opts.stdoutFd !== undefined || opts.stderrFd !== undefined) {
    p = runLocal(argv, opts);
  } else {
    viaSpawner++;
    p = leastBusy().run(argv, opts);
  }
  return p.then((r) => {
    recent.push({ command: argv.slice(0, 4).map((a) => (a.length > 24 ? '…' : a)).join(' '), askedAt, ranMs: r.durationMs, waitedMs: performance.now() - askedAt });
    if (recent.length > RECENT_MAX) recent.shift();
    return r;
  });
}

/** Starts `argv` detached (its own session, stdio appended to files) and resolves with its pid. */
export function launchDetached(argv: readonly string[], opts: DetachOptions): Promise<number> {
  if (argv.length === 0) return Promise.reject(new TypeError('launchDetached: empty argv'));
  if (!useSpawner) return detachLocal(argv, opts);
  viaSpawner++;
  return leastBusy().detach(argv, opts);
}

/** The helper with the fewest requests in flight (helpers are made as needed, up to HELPERS). */
function leastBusy(): Spawner {
  let best = spawners.find((sp) => sp.inFlight === 0);
  if (!best && spawners.length < HELPERS) spawners.push((best = new Spawner()));
  return best ?? spawners.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
}

/** Like runCommand, but throws HostCommandError unless the command exits 0 in time. */
export async function runCommandOk(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await runCommand(argv, opts);
  if (result.status !== 0 || result.timedOut) throw new HostCommandError(result);
  return result;
}

function describeFailure(r: RunResult): string {
  const cmd = r.argv.slice(0, 6).join(' ') + (r.argv.length > 6 ? ' …' : '');
  if (r.spawnError) return `${cmd}: ${r.spawnError.message}`;
  const why = r.timedOut ? `timed out after ${Math.round(r.durationMs)} ms` : `exited with status ${r.status}`;
  const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ').slice(0, 500);
  return `${cmd}: ${why}${detail ? `: ${detail}` : ''}`;
}
