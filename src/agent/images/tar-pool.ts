/**
 * Ready-to-use `tar -x` processes, each waiting on its stdin with its own fresh, empty destination
 * directory. Starting a process costs the agent's event loop a fork of a large process (≈ 4 ms
 * here), which is most of the fixed cost of a small layer; the pool pays it between pulls instead
 * of during them. Idle processes do not keep the agent alive (unref'd) and are killed by close().
 * A pool of size 0 spawns on demand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

export interface TarExtractor {
  /** The empty directory tar extracts into (mode 0755). */
  dir: string;
  stdin: Writable;
  /** Resolves when tar exits (code -1 when it could not start). */
  exit: Promise<{ code: number | null; stderr: string }>;
  kill(): void;
}

export function spawnTar(args: readonly string[], dir: string): TarExtractor & { child: ChildProcess } {
  const child = spawn('tar', [...args, '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 8192) stderr += d.toString(); });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('error', (err) => resolve({ code: -1, stderr: `could not run tar: ${err.message}` }));
    child.once('close', (code) => resolve({ code, stderr: stderr.trim() }));
  });
  child.stdin!.on('error', () => undefined); // EPIPE after tar stops reading at the end-of-archive blocks
  return { child, dir, stdin: child.stdin!, exit, kill: () => child.kill('SIGKILL') };
}

interface Idle {
  x: TarExtractor & { child: ChildProcess };
  exited: boolean;
}

export class TarPool {
  private readonly idle: Idle[] = [];
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param tmpDir where the destination directories are made (same filesystem as the layer cache)
   * @param args tar arguments without -C
   * @param size idle processes to keep
   */
  constructor(
    private readonly tmpDir: string,
    private readonly args: readonly string[],
    readonly size: number,
    /** While this says busy (pulls running), refills wait: spawning competes with them for the event loop. */
    private readonly busy: () => boolean = () => false,
  ) {}

  private spawnOne(): TarExtractor & { child: ChildProcess } {
    const dir = mkdtempSync(join(this.tmpDir, 'layer-'));
    chmodSync(dir, 0o755);
    return spawnTar(this.args, dir);
  }

  /** Fills the pool now (e.g. when the agent starts). */
  fill(): void {
    while (!this.closed && this.idle.length < this.size) {
      const x = this.spawnOne();
      const entry: Idle = { x, exited: false };
      x.child.unref();
      (x.child.stderr as unknown as { unref?: () => void }).unref?.();
      void x.exit.then(() => {
        entry.exited = true;
        const i = this.idle.indexOf(entry);
        if (i !== -1) {
          this.idle.splice(i, 1);
          rmSync(x.dir, { recursive: true, force: true });
        }
      });
      this.idle.push(entry);
    }
  }

  /** A tar process and its empty directory; the caller owns both (and removes the directory on failure). */
  take(): TarExtractor {
    let entry: Idle | undefined;
    while ((entry = this.idle.shift()) && entry.exited) {
      rmSync(entry.x.dir, { recursive: true, force: true }); // died while idle, before its exit handler ran
    }
    this.scheduleRefill();
    if (!entry) return this.spawnOne();
    entry.x.child.ref();
    (entry.x.child.stderr as unknown as { ref?: () => void }).ref?.();
    return entry.x;
  }

  private scheduleRefill(): void {
    if (this.size === 0 || this.closed || this.refillTimer) return;
    // Later, when no pull is running, so the spawns do not compete with pulls.
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      if (this.busy()) this.scheduleRefill();
      else this.fill();
    }, 100);
    this.refillTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    for (const e of this.idle.splice(0)) {
      e.x.kill();
      rmSync(e.x.dir, { recursive: true, force: true });
    }
  }
}
