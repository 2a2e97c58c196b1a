/**
 * One exec session's process on the host: the runtime's exec command, bridged to the session's
 * connection in frames (src/protocol/exec-stream.ts). Without a terminal its stdout and stderr
 * stream apart. With one, the command runs under util-linux `script`, which gives it a
 * pseudo-terminal on this host (runc proxies it to a pty of the container; runsc hands it to the
 * sandboxed process as its terminal); the window size is that pty's, set with `stty` at start and
 * on each resize (the kernel then sends SIGWINCH to whoever is in its foreground).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { coerceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { joinCommand } from '../../protocol/exec-command.js';
import {
  encodeFrame, exitFrame, FrameDecoder, FrameType, readResize, type ExecTerminal,
} from '../../protocol/exec-stream.js';
import { runCommand } from '../host/exec.js';
import { signalNumber, timedSpawn } from '../host/spawn-local.js';

/** After the caller hangs up, the command gets SIGHUP, then SIGKILL this much later. */
const HANGUP_GRACE_MS = 3_000;

/** The `script` command line that runs `hostArgv` on a new pty of `rows`×`cols`, writing the pty's path to `ttyFile`. */
export function ptyWrapper(hostArgv: readonly string[], terminal: ExecTerminal, ttyFile: string): string[] {
  const size = terminal.rows > 0 && terminal.cols > 0 ? `stty rows ${terminal.rows} cols ${terminal.cols} 2>/dev/null; ` : '';
  const inner = `${size}tty > ${joinCommand([ttyFile])}; exec ${joinCommand(hostArgv)}`;
  return ['script', '--quiet', '--flush', '--return', '--command', inner, '/dev/null'];
}

/** Runs the command and bridges it to `socket` until it exits (EXIT frame) or the caller hangs up. */
export function runExecProcess(socket: Duplex, hostArgv: readonly string[], terminal: ExecTerminal, log: Logger): Promise<void> {
  const ptyDir = terminal.tty ? mkdtempSync(join(tmpdir(), 'pier-exec-')) : undefined;
  const argv = ptyDir ? ptyWrapper(hostArgv, terminal, join(ptyDir, 'tty')) : [...hostArgv];
  const child = timedSpawn(argv[0]!, argv.slice(1), {
    stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, SHELL: '/bin/sh' },
  });
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (ptyDir) rmSync(ptyDir, { recursive: true, force: true });
      resolve();
    };
    forwardOutput(child, socket);
    forwardInput(socket, child, ptyDir, log);
    child.once('error', (err) => {
      socket.end(encodeFrame(FrameType.ERROR, `cannot run ${argv[0]}: ${err.message}`));
      finish();
    });
    child.once('close', (code, signal) => {
      const status = code ?? 128 + (signal ? signalNumber(signal) ?? 0 : 0);
      if (!socket.destroyed) socket.end(exitFrame(status));
      finish();
    });
    socket.once('close', () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      hangUp(child);
    });
  });
}

function forwardOutput(child: ChildProcess, socket: Duplex): void {
  for (const [stream, type] of [[child.stdout!, FrameType.STDOUT], [child.stderr!, FrameType.STDERR]] as const) {
    stream.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      if (!socket.write(encodeFrame(type, chunk))) {
        stream.pause();
        socket.once('drain', () => stream.resume());
      }
    });
  }
}

function forwardInput(socket: Duplex, child: ChildProcess, ptyDir: string | undefined, log: Logger): void {
  const decoder = new FrameDecoder();
  const resizer = ptyDir ? latestSizeSetter(ptyDir) : undefined;
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      log.warn('bad exec frame from the caller', { error: coerceError(err).message });
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.type === FrameType.STDIN && child.stdin?.writable) child.stdin.write(f.payload);
      else if (f.type === FrameType.STDIN_EOF) child.stdin?.end();
      else if (f.type === FrameType.RESIZE && resizer) resizer(readResize(f.payload));
    }
  });
  child.stdin?.on('error', () => undefined); // the command closed its stdin: what the caller types goes nowhere
}

/**
 * Resizes one at a time, and only to the latest size asked for: two `stty` runs at once can finish
 * in either order (a resize often comes as two SIGWINCHes, rows then columns, a moment apart).
 */
function latestSizeSetter(ptyDir: string): (size: { rows: number; cols: number }) => void {
  const queue: { rows: number; cols: number }[] = [];
  let running = false;
  return (size) => {
    queue.splice(0, queue.length, size);
    if (running) return;
    running = true;
    void (async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await resize(ptyDir, next).catch(() => undefined);
      running = false;
    })();
  };
}

/** Sets the session pty's size (its path is in the tty file once the wrapper has started). */
async function resize(ptyDir: string, size: { rows: number; cols: number }): Promise<void> {
  if (size.rows <= 0 || size.cols <= 0) return;
  let pty = '';
  try {
    pty = readFileSync(join(ptyDir, 'tty'), 'utf8').trim();
  } catch {
    return; // not started yet: it starts with the size it attached with
  }
  if (!pty.startsWith('/dev/pts/')) return;
  await runCommand(['stty', '-F', pty, 'rows', String(size.rows), 'cols', String(size.cols)], { timeoutMs: 5_000 });
}

/** The caller is gone: hang up on the command (runc and runsc pass the signal on), then kill what is left. */
function hangUp(child: ChildProcess): void {
  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  group('SIGHUP');
  const timer = setTimeout(() => group('SIGKILL'), HANGUP_GRACE_MS);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}
