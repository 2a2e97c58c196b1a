/**
 * Runs a host command and waits for it: argv only (never a shell string), a timeout, captured
 * output (capped), and the exit status folded the way shells and container runtimes report it
 * (128 + signal number when killed by a signal). Every agent module that runs `ip`, `runsc`,
 * `runc`, `mount`, … goes through here, so timeouts and error messages look the same everywhere.
 *
 * `runCommand` never rejects for a non-zero exit: callers that only want success use
 * `runCommandOk`, which throws a `HostCommandError` carrying the command, status and stderr.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

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
   * never reach end-of-file.
   */
  stdoutFd?: number;
  stderrFd?: number;
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

export class HostCommandError extends Error {
  override readonly name = 'HostCommandError';
  constructor(readonly result: RunResult) {
    super(describeFailure(result));
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 1 << 20;

export function signalNumber(signal: NodeJS.Signals | string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[signal];
}

export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new TypeError('runCommand: empty argv'));
  const started = performance.now();
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', opts.stdoutFd ?? 'pipe', opts.stderrFd ?? 'pipe'],
    });
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
