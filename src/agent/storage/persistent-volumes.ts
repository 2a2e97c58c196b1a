/**
 * Persistent volumes (the EFS role) on this host: `<root>/<fileSystemId>/<rootDirectory>`, plain
 * directories that outlive tasks and are bind-mounted into as many tasks as use them.
 *
 * `rootDirectory` is confined to its file system: `..` that would climb out is rejected, and so is
 * any existing component that is a symlink or not a directory (a task could have planted a link to
 * /etc in the shared data), so the returned path is always inside `<root>/<fileSystemId>`.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mountsUnder } from '../host/mount.js';
import type { PersistentVolumeOptions, PersistentVolumes } from './task-storage.js';

const FS_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export class PersistentVolumeError extends Error {
  override name = 'PersistentVolumeError';
}

function checkId(fileSystemId: string): void {
  if (typeof fileSystemId !== 'string' || !FS_ID.test(fileSystemId)) {
    throw new PersistentVolumeError(`invalid file system id '${String(fileSystemId)}'`);
  }
}

/** The components of `rootDirectory` after resolving `.` and `..`; throws if it climbs out. */
export function rootDirectorySegments(rootDirectory: string): string[] {
  if (typeof rootDirectory !== 'string' || rootDirectory.includes('\0')) {
    throw new PersistentVolumeError(`invalid rootDirectory '${String(rootDirectory)}'`);
  }
  const out: string[] = [];
  for (const seg of rootDirectory.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new PersistentVolumeError(`rootDirectory '${rootDirectory}' escapes the file system`);
      out.pop();
    } else {
      out.push(seg);
    }
  }
  return out;
}

export class LocalPersistentVolumes implements PersistentVolumes {
  readonly root: string;

  constructor(root: string) {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    this.root = realpathSync(root);
  }

  async pathFor(fileSystemId: string, rootDirectory = '/', opts: PersistentVolumeOptions = {}): Promise<string> {
    checkId(fileSystemId);
    const segments = rootDirectorySegments(rootDirectory);
    const mode = opts.mode ?? 0o755;
    let dir = join(this.root, fileSystemId);
    await this.ensureDir(dir, 0o755);
    for (const [i, seg] of segments.entries()) {
      dir = join(dir, seg);
      const last = i === segments.length - 1;
      const created = await this.ensureDir(dir, last ? mode : 0o755);
      if (created && last && (opts.uid !== undefined || opts.gid !== undefined)) {
        await chown(dir, opts.uid ?? -1, opts.gid ?? -1);
      }
    }
    return dir;
  }

  async remove(fileSystemId: string): Promise<void> {
    checkId(fileSystemId);
    const dir = join(this.root, fileSystemId);
    const mounted = await mountsUnder(dir);
    if (mounted.length > 0) {
      throw new PersistentVolumeError(`file system ${fileSystemId} has mounts under it: ${mounted.map((m) => m.mountPoint).join(', ')}`);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && FS_ID.test(e.name)).map((e) => e.name).sort();
  }

  /** mkdir that refuses symlinks and non-directories; true when it created the directory. */
  private async ensureDir(dir: string, mode: number): Promise<boolean> {
    let created = false;
    try {
      await mkdir(dir, { mode });
      await chmod(dir, mode); // mkdir's mode is filtered by the umask
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await lstat(dir);
    if (!st.isDirectory()) {
      throw new PersistentVolumeError(`${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; refusing to use it as a volume path`);
    }
    return created;
  }
}
