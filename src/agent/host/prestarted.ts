/**
 * A host command started ahead of need that waits for its input in a FIFO (`ip -batch FILE` and
 * `nft -f FILE` take a file name and open it once started). A launch writes the input and waits
 * for the exit: what it saves is starting the process (the helper's fork, exec, dynamic linking,
 * `ip -n`'s namespace switch), 10-15 ms of CPU each on these VMs, more than the work itself.
 *
 * The command runs through exec.ts like any other (so status and output come back the same way),
 * with no timeout while it waits; `release()` ends it with an empty input, which both programs
 * take as nothing to do. When it is not waiting (not started yet, or died), `run` returns undefined
 * and the caller runs the command as usual.
 */
import { closeSync, constants, existsSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, runCommandOk, type RunResult } from './exec.js';

/** Longer inputs go the usual way: a FIFO holds 64 KiB, and a non-blocking write must not fall short. */
const MAX_INPUT = 32 * 1024;
/** How long a waiting command may wait (then it is ended, and started again when next asked for). */
const WAIT_MS = 24 * 3600_000;

export class PrestartedCommand {
  private waiting: Promise<RunResult> | undefined;
  private exited = false;

  /** `argv` reads its input from `fifo` (made here when missing). */
  constructor(private readonly fifo: string, private readonly argv: readonly string[]) {}

  /** Starts the command unless one is waiting already. */
  async start(): Promise<void> {
    if (this.waiting && !this.exited) return;
    if (!existsSync(this.fifo)) await runCommandOk(['mkfifo', '-m', '600', this.fifo]);
    this.exited = false;
    const waiting = runCommand(this.argv, { timeoutMs: WAIT_MS });
    this.waiting = waiting;
    void waiting.then(() => {
      if (this.waiting === waiting) this.exited = true; // ended before it was used
    });
  }

  /**
   * Hands `input` to the waiting command and resolves with its result; undefined when no command
   * is waiting for it (the caller runs the command itself).
   */
  run(input: string): Promise<RunResult> | undefined {
    const waiting = this.waiting;
    if (!waiting || this.exited || Buffer.byteLength(input) > MAX_INPUT) return undefined;
    let fd: number;
    try {
      // Non-blocking: fails (ENXIO) at once unless the command has the FIFO open for reading.
      fd = openSync(this.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
    this.waiting = undefined;
    try {
      writeSync(fd, input);
    } finally {
      closeSync(fd);
    }
    // nft opens its input file again to quote a line it refuses: let that open find the end at once.
    const reopened = setTimeout(() => this.endInput(), 500);
    return waiting.finally(() => clearTimeout(reopened));
  }

  /** Ends a waiting command (empty input) and removes the FIFO. */
  async release(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = undefined;
    let ended = this.exited;
    void waiting?.finally(() => {
      ended = true;
    });
    // A command still starting has not opened the FIFO yet (an end then reaches nobody): again until it has.
    for (let i = 0; waiting && !ended && i < 100; i++) {
      this.endInput();
      await Promise.race([waiting, new Promise((r) => setTimeout(r, 50))]);
    }
    rmSync(this.fifo, { force: true });
  }

  private endInput(): void {
    endInput(this.fifo);
  }
}

/** Opens and closes a FIFO: whoever reads it (or waits to) sees its end. */
function endInput(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // nobody reading
  }
}

/**
 * Ends the commands an earlier process left waiting on the FIFOs (`*.fifo`) in `dir`, and removes
 * the FIFOs: a restarted agent starts its own.
 */
export function endLeftWaiting(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.fifo'));
  } catch {
    return;
  }
  for (const n of names) {
    endInput(join(dir, n));
    rmSync(join(dir, n), { force: true });
  }
}
