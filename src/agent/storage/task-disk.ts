/**
 * One task's size-capped disk: a sparse ext4 image, attached to a loop device and mounted nodev,
 * nosuid. What was done is recorded in `storage.json` next to the image (written atomically) so a
 * restarted agent can finish or undo it; teardown also finds mounts through /proc/self/mountinfo
 * and loop devices through sysfs / `losetup -j`, so it works without the record too.
 *
 * Layout under `<root>/<taskId>/`:
 *   disk.img        sparse image, exactly the task's ephemeral storage size
 *   disk/           its mount point: containers/<name>/{upper,work,l}, volumes/<name>
 *   rootfs/<name>   container overlay mount points
 *   storage.json    the record
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  detachLoop, loopBackingFile, loopDevicesFor, mkfsExt4, mountAt, mountLoopImage, mountsUnder, unmountAllUnder,
} from '../host/mount.js';
import type { SpareDisks } from './spare-disks.js';

export const RECORD_FILE = 'storage.json';

export interface TaskDiskPaths {
  dir: string;
  image: string;
  mountPoint: string;
  record: string;
  containersDir: string;
  volumesDir: string;
  rootfsDir: string;
}

export function taskDiskPaths(root: string, taskId: string): TaskDiskPaths {
  const dir = join(root, taskId);
  const mountPoint = join(dir, 'disk');
  return {
    dir,
    image: join(dir, 'disk.img'),
    mountPoint,
    record: join(dir, RECORD_FILE),
    containersDir: join(mountPoint, 'containers'),
    volumesDir: join(mountPoint, 'volumes'),
    rootfsDir: join(dir, 'rootfs'),
  };
}

export interface RootfsRecord {
  path: string;
  layers: number;
  readonly: boolean;
  /** Whether the options used short relative paths (see overlay.ts). */
  shortPaths: boolean;
}

export interface TaskStorageRecord {
  version: 1;
  taskId: string;
  image: string;
  mountPoint: string;
  sizeBytes: number;
  /** Set once mkfs finished: the image is usable as is. */
  formatted: boolean;
  /** The loop device last attached (it may since have auto-cleared or been reused: check its backing file). */
  loopDevice?: string;
  rootfs: Record<string, RootfsRecord>;
  updatedAt: string;
}

export async function readRecord(paths: TaskDiskPaths): Promise<TaskStorageRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(paths.record, 'utf8')) as TaskStorageRecord;
    return parsed && parsed.version === 1 ? parsed : undefined;
  } catch {
    return undefined; // missing or torn (cannot be torn: written by rename) – treat as absent
  }
}

/**
 * Writes the record atomically: temp file, then rename. No fsync: the record is for an agent that
 * died (the page cache survives it), and a host that lost power has no loop device or mount left
 * to find, while teardown finds them without the record anyway (an fsync here cost launches up to
 * tens of milliseconds).
 */
export async function writeRecord(paths: TaskDiskPaths, record: TaskStorageRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  const tmp = `${paths.record}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
  await rename(tmp, paths.record);
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/**
 * Makes sure the task's image exists, is formatted and is mounted at `paths.mountPoint`. Returns
 * the record (its sizeBytes is the existing image's size when one was already made).
 */
export async function ensureTaskDisk(paths: TaskDiskPaths, taskId: string, sizeBytes: number, spares?: SpareDisks): Promise<TaskStorageRecord> {
  // A new task takes a spare when there is one: a whole task directory, disk formatted and
  // mounted (spare-disks.ts). Synchronous checks, as below: the event loop is busy during a launch.
  const spareLoop = spares && !existsSync(paths.dir) ? spares.take(sizeBytes, paths.dir) : undefined;
  if (spareLoop) {
    const record: TaskStorageRecord = {
      version: 1, taskId, image: paths.image, mountPoint: paths.mountPoint, sizeBytes,
      formatted: true, loopDevice: spareLoop, rootfs: {}, updatedAt: '',
    };
    await writeRecord(paths, record);
    return record;
  }
  // A directory made just now holds nothing yet: no record, no image, nothing mounted. (One
  // mkdir for both: the mount point's own mode is hidden under the disk's root once mounted.)
  // Synchronous: the mount is asked for at once instead of after turns of an event loop that is
  // busy while a task launches (10-20 ms there).
  const fresh = mkdirSync(paths.mountPoint, { recursive: true, mode: 0o711 }) === paths.dir;
  let record = fresh ? undefined : await readRecord(paths);

  const mounted = fresh ? undefined : await mountAt(paths.mountPoint);
  if (mounted) {
    if ((await loopBackingFile(mounted.source)) !== paths.image) {
      throw new Error(`${paths.mountPoint} has ${mounted.source} mounted, not the task's image ${paths.image}`);
    }
    if (!record?.formatted) {
      // Mounted, so it was formatted; the record was lost. Rebuild it rather than touch the data.
      record = {
        version: 1, taskId, image: paths.image, mountPoint: paths.mountPoint, sizeBytes: (await stat(paths.image)).size,
        formatted: true, loopDevice: mounted.source, rootfs: record?.rootfs ?? {}, updatedAt: '',
      };
      await writeRecord(paths, record);
    }
    await makeDiskDirs(paths);
    return record;
  }

  if (!record?.formatted || !(await exists(paths.image))) {
    // Nothing usable yet (or a crash mid-way): make the image from scratch, or take a spare.
    record = {
      version: 1, taskId, image: paths.image, mountPoint: paths.mountPoint, sizeBytes,
      formatted: false, rootfs: {}, updatedAt: '',
    };
    // A fresh directory has no record to correct (a crash from here on leaves none, and no record
    // means "make the image again", as formatted=false does).
    if (!fresh) {
      for (const dev of await loopDevicesFor(paths.image)) await detachLoop(dev);
      await writeRecord(paths, record);
    }
    const fh = await open(paths.image, 'w', 0o600); // create or empty
    try {
      await fh.truncate(sizeBytes); // sparse: no blocks allocated
    } finally {
      await fh.close();
    }
    await mkfsExt4(paths.image);
    record.formatted = true;
  }

  // One mount(8) makes an auto-clear loop device and mounts it: the device goes away by itself
  // when the filesystem is unmounted. A crash before the record below is written leaves
  // formatted=false (or no record), so a retry remakes the image (after detaching any device
  // found for it).
  record.loopDevice = await mountLoopImage(paths.image, paths.mountPoint, { fsType: 'ext4', options: ['nodev', 'nosuid', 'noatime'] });
  await Promise.all([writeRecord(paths, record), makeDiskDirs(paths)]);
  return record;
}

/** The task disk's top directories (on the mounted disk). */
export async function makeDiskDirs(paths: TaskDiskPaths): Promise<void> {
  await Promise.all([
    mkdir(paths.containersDir, { recursive: true, mode: 0o711 }),
    mkdir(paths.volumesDir, { recursive: true, mode: 0o755 }),
  ]);
}

/**
 * Removes everything of the task: every mount under its directory (deepest first, lazily if busy
 * after retries), every loop device backed by its image, then the directory. Idempotent. Refuses to
 * delete while anything is still mounted under the directory (rm would reach into it).
 */
export async function destroyTaskDisk(paths: TaskDiskPaths): Promise<void> {
  const record = await readRecord(paths);
  await unmountAllUnder(paths.dir);
  const devices = new Set(await loopDevicesFor(paths.image));
  if (record?.loopDevice && (await loopBackingFile(record.loopDevice)) === paths.image) devices.add(record.loopDevice);
  for (const dev of devices) await detachLoop(dev);
  const left = await mountsUnder(paths.dir);
  if (left.length > 0) {
    throw new Error(`not deleting ${paths.dir}: still mounted: ${left.map((m) => m.mountPoint).join(', ')}`);
  }
  await rm(paths.dir, { recursive: true, force: true, maxRetries: 3 });
}
