/**
 * Spare task disks: sparse images already formatted ext4, made in the background after a task
 * took one, so that a launch only renames one into place and mounts it (mkfs is a process, and
 * process creation is what a launch waits on most on these hosts). Never mounted and never
 * written after mkfs, a spare is exactly what a new disk would be.
 *
 *   <dir>/<sizeBytes>-<n>.img       ready
 *   <dir>/<sizeBytes>-<n>.img.tmp   being made (removed at start: a crash may have cut mkfs short)
 *
 * Spares are kept only for sizes tasks asked for since this instance started, `target` of each.
 * They are made `delayMs` (default 250 ms) after a task took one, past its launch's busiest part,
 * at nice 19: mkfs competes for the CPU with the launches it is meant to speed up.
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mkfsExt4 } from '../host/mount.js';

const READY = /^(\d+)-(\d+)\.img$/;

export class SpareDisks {
  private readonly ready = new Map<number, string[]>();
  private readonly wanted = new Set<number>();
  private next = 0;
  private filling: Promise<void> | undefined;
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dir: string, private readonly target: number, private readonly delayMs = 250) {}

  /**
   * Moves a spare of `sizeBytes` to `dest` (same file system); false when there is none.
   * Synchronous (one rename): a launch asks for its disk's mount right after it.
   */
  take(sizeBytes: number, dest: string): boolean {
    this.load();
    this.wanted.add(sizeBytes);
    const list = this.ready.get(sizeBytes) ?? [];
    for (let name = list.shift(); name !== undefined; name = list.shift()) {
      try {
        renameSync(join(this.dir, name), dest);
        return true;
      } catch {
        // removed behind our back: try the next one
      }
    }
    return false;
  }

  /** Makes spares in the background, one at a time, until each wanted size has `target` (after `delayMs`). */
  refill(): void {
    if (this.target <= 0 || this.timer) return;
    this.timer = setTimeout(() => this.startFill(), this.delayMs);
    this.timer.unref(); // never keeps the process alive: spares are an optimisation
  }

  /** Makes any spares due now and resolves when none is being made. */
  async settled(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.startFill();
    }
    while (this.filling) await this.filling;
  }

  private startFill(): void {
    this.timer = undefined;
    if (this.filling) return;
    this.filling = this.fill().catch(() => undefined).finally(() => {
      this.filling = undefined;
    });
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      const m = READY.exec(name);
      if (!m) {
        rmSync(join(this.dir, name), { force: true });
        continue;
      }
      const size = Number(m[1]);
      this.next = Math.max(this.next, Number(m[2]) + 1);
      this.ready.set(size, [...(this.ready.get(size) ?? []), name]);
    }
  }

  private async fill(): Promise<void> {
    for (;;) {
      const size = [...this.wanted].find((s) => (this.ready.get(s)?.length ?? 0) < this.target);
      if (size === undefined) return;
      const name = `${size}-${this.next++}.img`;
      const tmp = join(this.dir, `${name}.tmp`);
      try {
        const fh = await open(tmp, 'w', 0o600);
        try {
          await fh.truncate(size); // sparse
        } finally {
          await fh.close();
        }
        await mkfsExt4(tmp, { lowPriority: true });
        await rename(tmp, join(this.dir, name));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      this.ready.set(size, [...(this.ready.get(size) ?? []), name]);
    }
  }
}
