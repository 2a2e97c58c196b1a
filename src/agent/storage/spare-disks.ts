/**
 * Spare task disks, made ahead in the background so that a launch takes one with a single rename
 * instead of waiting for mkfs and a loop mount (processes, and process creation is what a launch
 * waits on most on these hosts: the mount alone took 40-60 ms of a launch on a busy 2-core VM).
 * A spare is a whole task directory as task-disk.ts lays it out, minus the record:
 *
 *   <dir>/<sizeBytes>-<n>/disk.img    sparse, formatted ext4, never written but for the two dirs
 *   <dir>/<sizeBytes>-<n>/disk/       its loop mount (auto-clear), with containers/ and volumes/
 *   <dir>/<sizeBytes>-<n>.tmp/        being made; removed (unmounted first) at start
 *
 * Renaming the directory moves the mount with it (mounts hang on the mount point's dentry, and the
 * loop device's backing file follows the rename). Spares are kept for the sizes asked for since
 * this instance started and for `sizesBytes` (default: Fargate's default 20 GiB), `target` of
 * each; one at a time, mkfs and mount at nice 19, and `delayMs` (default 1 s) after a take, past
 * the launch that took it (a sandbox boot is CPU-bound too), unless none of that size is left.
 * `close()` unmounts and deletes them all: the agent calls it when it stops with no task left,
 * so that nothing of it stays mounted.
 */
import { renameSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BackgroundFill } from '../host/background-fill.js';
import { detachLoop, isFileSystemRoot, loopBackingFile, loopDevicesFor, loopDeviceOf, mkfsExt4, mountLoopImage, unmountAllUnder } from '../host/mount.js';

const READY = /^(\d+)-(\d+)$/;
const GiB = 1024 ** 3;

interface Spare {
  name: string;
  loopDevice: string;
}

export interface SpareDisksOptions {
  /** Spares of each size. */
  target: number;
  /** Sizes to keep spares of from the start (default [20 GiB]). */
  sizesBytes?: readonly number[];
  delayMs?: number;
}

export class SpareDisks {
  private readonly ready = new Map<number, Spare[]>();
  private readonly wanted: Set<number>;
  private readonly target: number;
  private readonly filler: BackgroundFill;
  private next = 0;
  private loading: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly dir: string, opts: SpareDisksOptions) {
    this.target = opts.target;
    this.wanted = new Set(opts.sizesBytes ?? [20 * GiB]);
    this.filler = new BackgroundFill(() => this.fill(), opts.delayMs ?? 1_000);
  }

  /** Finds the spares an earlier instance left (removing broken ones), then makes the missing ones. */
  start(): void {
    this.loading ??= this.load().catch(() => undefined).then(() => this.refill(true));
  }

  /**
   * Renames a spare of `sizeBytes` to `taskDir` (which must not exist); returns its loop device,
   * or undefined when there is none. Synchronous: one rename, and the disk is there.
   */
  take(sizeBytes: number, taskDir: string): string | undefined {
    this.wanted.add(sizeBytes);
    const list = this.ready.get(sizeBytes) ?? [];
    for (let spare = list.shift(); spare !== undefined; spare = list.shift()) {
      try {
        renameSync(join(this.dir, spare.name), taskDir);
      } catch {
        continue; // removed behind our back: try the next one
      }
      this.refill(list.length === 0);
      return spare.loopDevice;
    }
    this.refill(true);
    return undefined;
  }

  /**
   * Makes spares in the background, one at a time, until each wanted size has `target`: after
   * `delayMs`, or now when `urgent` (none left of a size).
   */
  refill(urgent = false): void {
    if (this.target > 0 && !this.closed) this.filler.schedule(urgent);
  }

  /** Makes any spares due now and resolves when none is being made. */
  async settled(): Promise<void> {
    await this.loading;
    await this.filler.settled();
  }

  /** Stops making spares, then unmounts and deletes every one (idempotent). */
  async close(): Promise<void> {
    this.closed = true;
    await this.loading;
    await this.filler.stop();
    this.ready.clear();
    const entries = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(entries.map((e) => removeSpare(join(this.dir, e))));
    await rm(this.dir, { recursive: true, force: true });
  }

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      const m = READY.exec(name);
      const loopDevice = m && (await isFileSystemRoot(join(path, 'disk'))) ? loopDeviceOf(join(path, 'disk')) : undefined;
      if (!m || !loopDevice || (await loopBackingFile(loopDevice)) !== join(path, 'disk.img')) {
        await removeSpare(path);
        continue;
      }
      const size = Number(m[1]);
      this.next = Math.max(this.next, Number(m[2]) + 1);
      this.ready.set(size, [...(this.ready.get(size) ?? []), { name, loopDevice }]);
    }
  }

  private async fill(): Promise<void> {
    while (!this.closed) {
      const size = [...this.wanted].find((s) => (this.ready.get(s)?.length ?? 0) < this.target);
      if (size === undefined) return;
      const name = `${size}-${this.next++}`;
      const tmp = join(this.dir, `${name}.tmp`);
      let loopDevice: string;
      try {
        await mkdir(join(tmp, 'disk'), { recursive: true, mode: 0o711 });
        const fh = await open(join(tmp, 'disk.img'), 'w', 0o600);
        try {
          await fh.truncate(size); // sparse
        } finally {
          await fh.close();
        }
        await mkfsExt4(join(tmp, 'disk.img'), { lowPriority: true });
        loopDevice = await mountLoopImage(join(tmp, 'disk.img'), join(tmp, 'disk'), { fsType: 'ext4', options: ['nodev', 'nosuid', 'noatime'], lowPriority: true });
        await Promise.all([
          mkdir(join(tmp, 'disk', 'containers'), { mode: 0o711 }),
          mkdir(join(tmp, 'disk', 'volumes'), { mode: 0o755 }),
        ]);
        await rename(tmp, join(this.dir, name));
      } catch (err) {
        await removeSpare(tmp);
        throw err;
      }
      this.ready.set(size, [...(this.ready.get(size) ?? []), { name, loopDevice }]);
    }
  }
}

/** Unmounts whatever is mounted in a spare's directory, detaches its loop devices, deletes it. */
async function removeSpare(path: string): Promise<void> {
  await unmountAllUnder(path).catch(() => undefined);
  for (const dev of await loopDevicesFor(join(path, 'disk.img'))) await detachLoop(dev).catch(() => undefined);
  await rm(path, { recursive: true, force: true });
}

