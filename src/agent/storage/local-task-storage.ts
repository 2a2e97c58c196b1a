/**
 * TaskStorage on this host: per task a sparse ext4 image (the size cap), loop-mounted, holding the
 * containers' overlay upper/work dirs and the task volumes. See task-disk.ts for the layout and
 * overlay.ts for how lowerdir is built.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, stat, statfs, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isFileSystemRoot, mount, mountAt, unmount } from '../host/mount.js';
import { planOverlay } from './overlay.js';
import { SpareDisks } from './spare-disks.js';
import {
  destroyTaskDisk, ensureTaskDisk, readRecord, taskDiskPaths, writeRecord, type TaskDiskPaths,
} from './task-disk.js';
import type { TaskDisk, TaskStorage } from './task-storage.js';

function notMounted(paths: TaskDiskPaths): Error {
  return new Error(`task disk ${paths.mountPoint} is not mounted (createTaskDisk first)`);
}

/** Task ids, container names and volume names become single path components: keep them plain. */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

export class StorageInputError extends Error {
  override name = 'StorageInputError';
}

function checkName(kind: string, value: string): void {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new StorageInputError(`invalid ${kind} '${String(value)}': use 1-255 letters, digits, '_', '-' or '.' (not starting with '.')`);
  }
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface LocalTaskStorageOptions {
  /**
   * Task disks kept ready, formatted and mounted, per size (spare-disks.ts), so that a launch does
   * not wait for mkfs and a loop mount. Default 0: every disk is made when its task asks.
   */
  spareDisks?: number;
  /** Sizes to keep spares of from the start (default: 20 GiB, Fargate's default). */
  spareSizesBytes?: readonly number[];
}

export interface CreateTaskDiskOptions {
  /** Size in MiB instead of GiB (tests use small disks). */
  sizeMiB?: number;
}

export class LocalTaskStorage implements TaskStorage {
  /** Canonical (symlink-free) root: mountinfo shows canonical paths. */
  readonly root: string;
  private readonly locks = new Map<string, Promise<unknown>>();

  private readonly spares: SpareDisks | undefined;

  constructor(root: string, opts: LocalTaskStorageOptions = {}) {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    this.root = realpathSync(root);
    // '.spare' is no task id (they do not start with '.'): listTasks never reports it.
    this.spares = opts.spareDisks
      ? new SpareDisks(join(this.root, '.spare'), { target: opts.spareDisks, ...(opts.spareSizesBytes ? { sizesBytes: opts.spareSizesBytes } : {}) })
      : undefined;
    this.spares?.start();
  }

  /** Resolves when no spare disk is being made (tests). */
  async settled(): Promise<void> {
    await this.spares?.settled();
  }

  /** Unmounts and deletes the spare disks (the agent stops with no task left). */
  async close(): Promise<void> {
    await this.spares?.close();
  }

  paths(taskId: string): TaskDiskPaths {
    checkName('task id', taskId);
    return taskDiskPaths(this.root, taskId);
  }

  async createTaskDisk(taskId: string, sizeGiB: number, opts: CreateTaskDiskOptions = {}): Promise<TaskDisk> {
    const paths = this.paths(taskId);
    const sizeBytes = opts.sizeMiB !== undefined ? opts.sizeMiB * MiB : sizeGiB * GiB;
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes % MiB !== 0 || sizeBytes < 16 * MiB) {
      throw new StorageInputError(`invalid task disk size ${opts.sizeMiB !== undefined ? `${opts.sizeMiB} MiB` : `${sizeGiB} GiB`}: need whole MiB, at least 16 MiB`);
    }
    return this.locked(taskId, async () => {
      const record = await ensureTaskDisk(paths, taskId, sizeBytes, this.spares);
      return { taskId, mountPoint: paths.mountPoint, sizeGiB: record.sizeBytes / GiB };
    });
  }

  async mountRootfs(disk: TaskDisk, containerName: string, layerDirs: readonly string[], opts: { readonly?: boolean } = {}): Promise<string> {
    checkName('container name', containerName);
    const paths = this.paths(disk.taskId);
    const readonly = opts.readonly === true;
    for (const dir of layerDirs) {
      if (!dir.startsWith('/')) throw new StorageInputError(`layer directory '${dir}' is not an absolute path`);
    }
    await Promise.all(layerDirs.map(async (dir) => {
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) throw new StorageInputError(`layer directory '${dir}' does not exist`);
    }));
    return this.locked(disk.taskId, async () => {
      const target = join(paths.rootfsDir, containerName);
      const [diskMounted, rootfsMounted] = await Promise.all([isFileSystemRoot(paths.mountPoint), isFileSystemRoot(target)]);
      if (!diskMounted) throw notMounted(paths);
      if (rootfsMounted) return target; // already mounted (retry after a crash)

      const containerDir = join(paths.containersDir, containerName);
      const upperDir = join(containerDir, 'upper');
      const workDir = join(containerDir, 'work');
      await Promise.all([
        mkdir(upperDir, { recursive: true, mode: 0o755 }),
        mkdir(workDir, { recursive: true, mode: 0o700 }),
        mkdir(target, { recursive: true, mode: 0o755 }),
      ]);
      let lowers = layerDirs;
      if (lowers.length === 0) {
        // An image without layers: an empty read-only lower.
        const empty = join(containerDir, 'empty');
        await mkdir(empty, { recursive: true, mode: 0o755 });
        lowers = [empty];
      }

      const plan = planOverlay({ layerDirs: lowers, upperDir, workDir, containerDir, readonly });
      if (plan.links.length > 0) {
        await rm(join(containerDir, 'l'), { recursive: true, force: true });
        await mkdir(join(containerDir, 'l'), { mode: 0o700 });
        for (const link of plan.links) await symlink(link.target, join(containerDir, link.path));
      }

      // The record's rootfs entries only inform (teardown goes by mountinfo): written meanwhile.
      const recorded = readRecord(paths).then(async (record) => {
        if (!record) return;
        record.rootfs[containerName] = { path: target, layers: lowers.length, readonly, shortPaths: plan.links.length > 0 };
        await writeRecord(paths, record);
      });
      const mounted = mount({ source: 'overlay', target, fsType: 'overlay', options: plan.options, ...(plan.cwd ? { cwd: plan.cwd } : {}) });
      await Promise.all([recorded, mounted]);
      return target;
    });
  }

  /** Unmounts one container's rootfs (its upper dir stays on the task disk). Idempotent. */
  async unmountRootfs(disk: TaskDisk, containerName: string): Promise<void> {
    checkName('container name', containerName);
    const paths = this.paths(disk.taskId);
    await this.locked(disk.taskId, () => unmount(join(paths.rootfsDir, containerName)));
  }

  async taskVolumeDir(disk: TaskDisk, volumeName: string): Promise<string> {
    checkName('volume name', volumeName);
    const paths = this.paths(disk.taskId);
    await this.requireMounted(paths);
    const dir = join(paths.volumesDir, volumeName);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const st = await lstat(dir);
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    return dir;
  }

  async destroyTask(taskId: string): Promise<void> {
    const paths = this.paths(taskId);
    await this.locked(taskId, () => destroyTaskDisk(paths));
  }

  async listTasks(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && NAME.test(e.name)).map((e) => e.name).sort();
  }

  async usage(disk: TaskDisk): Promise<{ usedBytes: number; sizeBytes: number }> {
    const paths = this.paths(disk.taskId);
    await this.requireMounted(paths);
    const s = await statfs(paths.mountPoint);
    return { usedBytes: (s.blocks - s.bfree) * s.bsize, sizeBytes: s.blocks * s.bsize };
  }

  private async requireMounted(paths: TaskDiskPaths): Promise<void> {
    if (!(await mountAt(paths.mountPoint))) throw notMounted(paths);
  }

  /** Serialises the steps of one task (they read-modify-write its record). */
  private locked<T>(taskId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(taskId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(taskId, tail);
    void tail.then(() => {
      if (this.locks.get(taskId) === tail) this.locks.delete(taskId);
    });
    return next;
  }
}
