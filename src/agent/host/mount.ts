/**
 * The only code in Pier that runs mount, umount, losetup and mkfs. Thin, reusable wrappers around
 * util-linux / e2fsprogs, plus a reader for /proc/self/mountinfo so callers can find (and clean up)
 * every mount under a path even when the process that made them is gone.
 *
 * Everything here is idempotent where that makes sense: unmounting something that is not mounted
 * and detaching a loop device that is already gone succeed.
 */
import { statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HostCommandError, runCommandOk } from './exec.js';

/** The kernel copies at most one page of mount data (options) and needs a NUL: 4096 - 1 on x86-64. */
export const MOUNT_DATA_MAX = 4095;

/** Runs a program (no shell) and resolves with its stdout; rejects with HostCommandError. */
export async function run(command: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await runCommandOk([command, ...args], { ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  return r.stdout;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- mountinfo

export interface MountEntry {
  mountId: number;
  parentId: number;
  /** "major:minor" of the filesystem's device. */
  device: string;
  /** Root of the mount within its filesystem ("/" unless a bind mount of a subdir). */
  root: string;
  mountPoint: string;
  /** Per-mount options (rw, nodev, …). */
  mountOptions: string[];
  fsType: string;
  source: string;
  /** Per-superblock options (lowerdir=…, etc.). */
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    out.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      device: fields[2]!,
      root: unescapeMountPath(fields[3]!),
      mountPoint: unescapeMountPath(fields[4]!),
      mountOptions: fields[5]!.split(','),
      fsType: fields[sep + 1]!,
      source: unescapeMountPath(fields[sep + 2]!),
      superOptions: fields.slice(sep + 3).join(' '),
    });
  }
  return out;
}

export async function readMountInfo(file = '/proc/self/mountinfo'): Promise<MountEntry[]> {
  return parseMountInfo(await readFile(file, 'utf8'));
}

const isAtOrUnder = (p: string, dir: string): boolean => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * Mounts at `dir` or below it (`dir` must be canonical, as mountinfo shows canonical paths),
 * deepest first and, at one mount point, the most recent (top of the stack) first: the order to
 * unmount them in.
 */
export async function mountsUnder(dir: string): Promise<MountEntry[]> {
  const all = await readMountInfo();
  const order = new Map(all.map((m, i) => [m, i]));
  return all
    .filter((m) => isAtOrUnder(m.mountPoint, dir))
    .sort((a, b) => depth(b.mountPoint) - depth(a.mountPoint) || order.get(b)! - order.get(a)!);
}

const depth = (p: string): number => p.split('/').length;

/** The topmost mount at exactly `path`, if any. */
export async function mountAt(path: string): Promise<MountEntry | undefined> {
  const all = await readMountInfo();
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.mountPoint === path) return all[i];
  return undefined;
}

/**
 * Whether `path` is the root of a file system other than its parent directory's (a mount point of
 * a disk, an overlay, a tmpfs…): two stats, where mountinfo would be read and parsed whole. A bind
 * mount of a directory of the same file system does not count. False when `path` does not exist.
 */
export async function isFileSystemRoot(path: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(path).catch(() => undefined), stat(dirname(path)).catch(() => undefined)]);
  return self !== undefined && parent !== undefined && self.dev !== parent.dev;
}

// ---------------------------------------------------------------- mount / umount

export interface MountSpec {
  source: string;
  target: string;
  fsType?: string;
  /** Joined with commas for `-o`. */
  options?: readonly string[];
  /** Working directory for mount(8): relative paths in options are resolved from here. */
  cwd?: string;
}

export async function mount(spec: MountSpec, opts: { lowPriority?: boolean } = {}): Promise<void> {
  const args: string[] = [];
  if (spec.fsType) args.push('-t', spec.fsType);
  if (spec.options && spec.options.length > 0) args.push('-o', spec.options.join(','));
  args.push(spec.source, spec.target);
  if (opts.lowPriority) await run('nice', ['-n', '19', 'mount', ...args], spec.cwd ? { cwd: spec.cwd } : {});
  else await run('mount', args, spec.cwd ? { cwd: spec.cwd } : {});
}

/** Bind-mounts `source` on `target` (both must exist), optionally read-only, nodev/nosuid. */
export async function bindMount(source: string, target: string, opts: { readonly?: boolean; recursive?: boolean } = {}): Promise<void> {
  await run('mount', [opts.recursive ? '--rbind' : '--bind', source, target]);
  if (opts.readonly) {
    try {
      await run('mount', ['-o', 'remount,bind,ro', target]);
    } catch (err) {
      await unmount(target).catch(() => undefined);
      throw err;
    }
  }
}

export type UnmountResult = 'unmounted' | 'lazy' | 'not-mounted';

/**
 * Unmounts every mount stacked at `target`. Busy mounts are retried (`retries` times with a short
 * backoff) and then, unless `lazy: false`, detached lazily (umount -l): gone from the namespace at
 * once, freed when the last user lets go.
 */
export async function unmount(target: string, opts: { retries?: number; lazy?: boolean } = {}): Promise<UnmountResult> {
  const retries = opts.retries ?? 5;
  let result: UnmountResult = 'not-mounted';
  for (let layer = 0; layer < 64; layer++) {
    if (!(await mountAt(target))) return result;
    let done = false;
    let lastErr: unknown;
    for (let attempt = 0; attempt <= retries && !done; attempt++) {
      if (attempt > 0) await sleep(Math.min(20 * 2 ** (attempt - 1), 200));
      try {
        await run('umount', [target]);
        done = true;
      } catch (err) {
        lastErr = err;
        // Someone else (or a previous attempt that timed out) may have unmounted it.
        const top = await mountAt(target);
        if (!top) return result;
      }
    }
    if (done) {
      if (result === 'not-mounted') result = 'unmounted';
      continue;
    }
    if (opts.lazy === false) throw lastErr;
    await run('umount', ['-l', target]);
    result = 'lazy';
  }
  throw new Error(`unmount ${target}: still mounted after unmounting 64 stacked mounts`);
}

/**
 * Unmounts everything at or under `dir`, deepest first; returns what was unmounted. First one
 * umount(8) for all of them (one process, not one per mount), then whatever is left one by one
 * with retries and the lazy fallback.
 */
export async function unmountAllUnder(dir: string, opts: { retries?: number; lazy?: boolean } = {}): Promise<string[]> {
  const first = await mountsUnder(dir);
  if (first.length === 0) return [];
  // umount takes several targets and goes on past failures; stacked mounts need one entry each.
  await run('umount', first.map((m) => m.mountPoint)).catch(() => undefined);
  const done = new Set(first.map((m) => m.mountPoint));
  for (let round = 0; round < 8; round++) {
    const mounts = await mountsUnder(dir);
    if (mounts.length === 0) return [...done];
    for (const m of mounts) {
      if ((await unmount(m.mountPoint, opts)) !== 'not-mounted') done.add(m.mountPoint);
    }
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`could not unmount everything under ${dir}: ${left.map((m) => m.mountPoint).join(', ')}`);
  return [...done];
}

// ---------------------------------------------------------------- loop devices

/**
 * Attaches `file` to a free loop device and returns it (/dev/loopN). With `reuse` (default), a
 * device already backed by the same file is returned instead of a second one (losetup --nooverlap),
 * so retrying after a crash does not leak devices.
 */
export async function attachLoop(file: string, opts: { reuse?: boolean } = {}): Promise<string> {
  const args = ['--find', '--show'];
  if (opts.reuse !== false) args.push('--nooverlap');
  args.push(file);
  const dev = (await run('losetup', args)).trim();
  if (!/^\/dev\/loop\d+$/.test(dev)) throw new Error(`losetup returned an unexpected device '${dev}' for ${file}`);
  return dev;
}

/**
 * Mounts the filesystem image `file` at `target` through a new loop device in one step
 * (mount -o loop): the device is created auto-clear, so it detaches itself when the filesystem is
 * unmounted, even if nobody is left to run losetup -d. Returns the device (from mountinfo).
 */
export async function mountLoopImage(file: string, target: string, opts: { fsType: string; options?: readonly string[]; lowPriority?: boolean }): Promise<string> {
  await mount({ source: file, target, fsType: opts.fsType, options: ['loop', ...(opts.options ?? [])] }, opts.lowPriority ? { lowPriority: true } : {});
  const device = loopDeviceOf(target);
  if (device && (await loopBackingFile(device)) === file) return device;
  const m = await mountAt(target);
  if (!m || !/^\/dev\/loop\d+$/.test(m.source)) throw new Error(`mounted ${file} at ${target} but mountinfo shows ${m?.source ?? 'nothing'}`);
  return m.source;
}

const LOOP_MAJOR = 7;

/**
 * The loop device a mounted file system at `path` lives on, from its device number (loop devices
 * are major 7, minor N for /dev/loopN): one stat instead of reading mountinfo. Undefined when it is
 * not on a loop device (or `path` is missing).
 */
export function loopDeviceOf(path: string): string | undefined {
  let dev: number;
  try {
    dev = statSync(path).dev;
  } catch {
    return undefined;
  }
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return major === LOOP_MAJOR ? `/dev/loop${minor}` : undefined;
}

/**
 * Detaches a loop device. On a device that is still in use (e.g. mounted) the kernel only marks it
 * auto-clear: it detaches itself when its last user closes it. Already-gone devices are fine.
 */
export async function detachLoop(device: string): Promise<void> {
  if ((await loopBackingFile(device)) === undefined) return;
  try {
    await run('losetup', ['-d', device]);
  } catch (err) {
    if ((await loopBackingFile(device)) === undefined) return;
    throw err;
  }
}

/** The backing file of /dev/loopN from sysfs (with " (deleted)" stripped), or undefined if unattached. */
export async function loopBackingFile(device: string): Promise<string | undefined> {
  const name = device.replace(/^\/dev\//, '');
  if (!/^loop\d+$/.test(name)) return undefined;
  try {
    const text = (await readFile(`/sys/block/${name}/loop/backing_file`, 'utf8')).replace(/\n$/, '');
    return text.replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

/**
 * Every loop device backed by `file` (canonical path), also after the file was deleted. Reads sysfs
 * (no process to start); without sysfs, asks `losetup -j` (which needs the file to exist).
 */
export async function loopDevicesFor(file: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir('/sys/block')).filter((n) => /^loop\d+$/.test(n));
  } catch {
    const out = await run('losetup', ['-n', '-O', 'NAME', '-j', file]).catch(() => '');
    return out.split('\n').map((l) => l.trim()).filter(Boolean).sort();
  }
  const found: string[] = [];
  await Promise.all(names.map(async (n) => {
    if ((await loopBackingFile(n)) === file) found.push(`/dev/${n}`);
  }));
  return found.sort();
}

// ---------------------------------------------------------------- mkfs

/**
 * Formats `target` (a file or device) as ext4 for scratch use: no reserved blocks, no journal by
 * default, no resize reserve, and nothing zeroed (the target must read as zeros, e.g. a fresh sparse file), so a
 * 20 GiB image formats in a few ms and stays sparse.
 */
export async function mkfsExt4(target: string, opts: { journal?: boolean; label?: string; lowPriority?: boolean } = {}): Promise<void> {
  // No online resize reserve (task disks never grow): halves the blocks mkfs writes.
  const base = ['-q', '-F', '-m', '0', '-O', opts.journal === true ? '^resize_inode' : '^has_journal,^resize_inode'];
  if (opts.label) base.push('-L', opts.label);
  // lowPriority: at nice 19, for work nobody waits for (spare disks) that must not slow what they do.
  const [cmd, ...pre] = opts.lowPriority ? ['nice', '-n', '19', 'mkfs.ext4'] : ['mkfs.ext4'];
  try {
    await run(cmd!, [...pre, ...base, '-E', 'assume_storage_prezeroed=1,nodiscard', target], { timeoutMs: 120_000 });
  } catch (err) {
    // e2fsprogs older than 1.47 does not know assume_storage_prezeroed.
    if (!(err instanceof HostCommandError) || !/assume_storage_prezeroed|extended option/i.test(err.result.stderr)) throw err;
    await run(cmd!, [...pre, ...base, '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', target], { timeoutMs: 120_000 });
  }
}
