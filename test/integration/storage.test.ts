/**
 * Task storage against the real host (needs root): sparse ext4 images on real loop devices, real
 * overlay mounts, bind mounts, and cleanup that works after the agent died. Everything lives under
 * one temporary directory that the `after` hook unmounts, detaches and deletes even on failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync,
  statfsSync, statSync, symlinkSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bindMount, loopBackingFile, mountAt, mountsUnder, readMountInfo, unmountAllUnder } from '../../src/agent/host/mount.js';
import { LocalPersistentVolumes } from '../../src/agent/storage/persistent-volumes.js';
import { LocalTaskStorage } from '../../src/agent/storage/local-task-storage.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const SMALL = { sizeMiB: 64 };

let ROOT = '';
let TASKS = '';
let EFS = '';
let LAYERS = '';
let storage: LocalTaskStorage;
let volumes: LocalPersistentVolumes;

const newTaskId = (): string => randomBytes(16).toString('hex');
const read = (p: string): string => readFileSync(p, 'utf8');
const ms = (t0: number): string => `${(performance.now() - t0).toFixed(1)} ms`;

/** Loop devices (by sysfs) whose backing file is under `dir`, deleted or not. */
function loopsUnder(dir: string): { dev: string; file: string }[] {
  const out: { dev: string; file: string }[] = [];
  for (const name of readdirSync('/sys/block').filter((n) => /^loop\d+$/.test(n))) {
    try {
      const file = readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim().replace(/ \(deleted\)$/, '');
      if (file.startsWith(`${dir}/`)) out.push({ dev: `/dev/${name}`, file });
    } catch {
      // not attached
    }
  }
  return out;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The task left nothing: no mounts under its dir, no loop device on its image, no dir, not listed. */
async function assertTaskGone(s: LocalTaskStorage, taskId: string): Promise<void> {
  const dir = join(s.root, taskId);
  const image = join(dir, 'disk.img');
  assert.deepEqual((await readMountInfo()).filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`)).map((m) => m.mountPoint), []);
  assert.deepEqual(loopsUnder(dir), [], 'no loop device backed by the image');
  const losetupAll = execFileSync('losetup', ['-a', '-n', '-O', 'BACK-FILE'], { encoding: 'utf8' });
  assert.ok(!losetupAll.includes(image), `losetup -a still lists ${image}`);
  assert.equal(existsSync(dir), false, `${dir} removed`);
  assert.ok(!(await s.listTasks()).includes(taskId));
}

/** A layer dir with files; `whiteouts` become char devices 0:0 (what image unpacking makes of .wh.*). */
function makeLayer(name: string, files: Record<string, string>, whiteouts: string[] = []): string {
  const dir = join(LAYERS, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  for (const rel of whiteouts) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    execFileSync('mknod', [join(dir, rel), 'c', '0', '0']);
  }
  return dir;
}

const PREFIX = 'pier-storage-test-';

/** Roots left by earlier runs that were killed before their `after` hook (their pid is gone). */
async function cleanupStaleRoots(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running
    } catch {
      // gone
    }
    await cleanupRoot(realpathSync(join(tmpdir(), name)));
  }
}

async function cleanupEverything(): Promise<void> {
  if (ROOT) await cleanupRoot(ROOT);
}

async function cleanupRoot(ROOT: string): Promise<void> {
  try {
    await unmountAllUnder(ROOT, { retries: 1 });
  } catch (err) {
    console.error('storage test cleanup: unmount failed', err);
  }
  for (const { dev } of loopsUnder(ROOT)) {
    try {
      execFileSync('losetup', ['-d', dev]);
    } catch {
      // auto-cleared meanwhile
    }
  }
  if ((await mountsUnder(ROOT)).length === 0) rmSync(ROOT, { recursive: true, force: true });
  else console.error(`storage test cleanup: leaving ${ROOT}, still mounted`);
}

describe('task storage on a real host (root, loop devices, overlayfs)', { timeout: 60_000 }, () => {
  let l0 = '';
  let l1 = '';
  let l2 = '';

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'these tests need root');
    await cleanupStaleRoots();
    ROOT = realpathSync(mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`)));
    TASKS = join(ROOT, 'tasks');
    EFS = join(ROOT, 'efs');
    LAYERS = join(ROOT, 'layers');
    storage = new LocalTaskStorage(TASKS);
    volumes = new LocalPersistentVolumes(EFS);
    // Lowest first. l1 overrides a, whites out b and d/x, adds e; l2 overrides a again and
    // re-creates b (over l1's whiteout).
    l0 = makeLayer('l0', { a: 'a0', b: 'b0', c: 'c0', 'd/x': 'x0', 'd/y': 'y0' });
    l1 = makeLayer('l1', { a: 'a1', e: 'e1' }, ['b', 'd/x']);
    l2 = makeLayer('l2', { a: 'a2', b: 'b2' }, ['nothing-below']);
  });

  after(cleanupEverything);

  test('a 21 GiB task disk: sparse image, ext4 loop mount (nodev, nosuid), ~21 GiB by statfs', async (t) => {
    const taskId = newTaskId();
    const t0 = performance.now();
    const disk = await storage.createTaskDisk(taskId, 21);
    t.diagnostic(`create+format+mount 21 GiB: ${ms(t0)}`);
    assert.deepEqual(disk, { taskId, mountPoint: join(TASKS, taskId, 'disk'), sizeGiB: 21 });

    const m = await mountAt(disk.mountPoint);
    assert.ok(m, 'mounted');
    assert.equal(m.fsType, 'ext4');
    assert.match(m.source, /^\/dev\/loop\d+$/);
    assert.equal(await loopBackingFile(m.source), join(TASKS, taskId, 'disk.img'));
    assert.ok(m.mountOptions.includes('nodev') && m.mountOptions.includes('nosuid'), m.mountOptions.join(','));

    const fs = statfsSync(disk.mountPoint);
    const size = fs.blocks * fs.bsize;
    assert.ok(size > 0.97 * 21 * GiB && size <= 21 * GiB, `statfs size ${size}`);
    const usage = await storage.usage(disk);
    assert.equal(usage.sizeBytes, size);
    assert.ok(usage.usedBytes < 64 * MiB, `used ${usage.usedBytes}`);

    const image = join(TASKS, taskId, 'disk.img');
    assert.equal(statSync(image).size, 21 * GiB, 'apparent size is the cap');
    const duKiB = Number(execFileSync('du', ['-k', image], { encoding: 'utf8' }).split('\t')[0]);
    assert.ok(duKiB < 32 * 1024, `image uses ${duKiB} KiB of real disk`);
    t.diagnostic(`du disk.img: ${duKiB} KiB; statfs size ${(size / GiB).toFixed(2)} GiB`);

    // Idempotent, also from a fresh instance (agent restart): same disk, no second mount.
    const again = await new LocalTaskStorage(TASKS).createTaskDisk(taskId, 21);
    assert.deepEqual(again, disk);
    assert.equal((await readMountInfo()).filter((x) => x.mountPoint === disk.mountPoint).length, 1);
    assert.ok((await storage.listTasks()).includes(taskId));
    const record = JSON.parse(read(join(TASKS, taskId, 'storage.json')));
    assert.equal(record.loopDevice, m.source);
    assert.equal(record.sizeBytes, 21 * GiB);

    const t1 = performance.now();
    await storage.destroyTask(taskId);
    t.diagnostic(`destroy (disk only): ${ms(t1)}`);
    await assertTaskGone(storage, taskId);
  });

  test('spare disks: a new task takes a disk made and mounted ahead; spares are remade, survive a restart, and close() removes them', async () => {
    const root = join(ROOT, 'spares');
    const spareDir = join(root, '.spare');
    const opts = { spareDisks: 1, spareSizesBytes: [64 * MiB] };
    const s = new LocalTaskStorage(root, opts);
    await s.settled(); // made at start, for the sizes given
    const spares = (): string[] => readdirSync(spareDir).sort();
    assert.deepEqual(spares(), [`${64 * MiB}-0`]);
    assert.equal((await mountAt(join(spareDir, `${64 * MiB}-0`, 'disk')))?.fsType, 'ext4', 'a spare is mounted');
    assert.deepEqual(await s.listTasks(), [], 'and no task');

    const first = await s.createTaskDisk(newTaskId(), 0, SMALL);
    assert.equal(existsSync(join(spareDir, `${64 * MiB}-0`)), false, 'the spare became the task\'s directory');
    const m = (await mountAt(first.mountPoint))!;
    assert.equal(m.fsType, 'ext4');
    assert.ok(m.mountOptions.includes('nodev') && m.mountOptions.includes('nosuid'), m.mountOptions.join(','));
    assert.equal(await loopBackingFile(m.source), join(root, first.taskId, 'disk.img'), 'the loop device follows the rename');
    assert.equal(JSON.parse(read(join(root, first.taskId, 'storage.json'))).loopDevice, m.source);
    const rootfs = await s.mountRootfs(first, 'app', [l0]);
    assert.equal(read(join(rootfs, 'a')), 'a0');

    await s.settled();
    assert.deepEqual(spares(), [`${64 * MiB}-1`], 'another one was made');
    const second = await s.createTaskDisk(newTaskId(), 0, SMALL);
    writeFileSync(join(await s.taskVolumeDir(second, 'v'), 'f'), 'x');
    assert.equal(existsSync(join(first.mountPoint, 'volumes', 'v', 'f')), false, 'the disks are separate file systems');
    await s.settled();

    // The agent dies (no close): a new instance takes the spare left, drops one cut short.
    mkdirSync(join(spareDir, `${64 * MiB}-9.tmp`, 'disk'), { recursive: true });
    const restarted = new LocalTaskStorage(root, opts);
    await restarted.settled();
    assert.deepEqual(spares(), [`${64 * MiB}-2`]);
    const third = await restarted.createTaskDisk(newTaskId(), 0, SMALL);
    assert.equal((await mountAt(third.mountPoint))?.fsType, 'ext4');
    for (const d of [first, second, third]) {
      await restarted.destroyTask(d.taskId);
      await assertTaskGone(restarted, d.taskId);
    }
    await restarted.close();
    assert.equal(existsSync(spareDir), false, 'close() unmounts and removes the spares');
    assert.deepEqual(await mountsUnder(root), []);
    assert.deepEqual(loopsUnder(root), []);
    rmSync(root, { recursive: true, force: true });
  });

  test('writing past the cap fails with ENOSPC inside the task disk and harms nothing else', async (t) => {
    const a = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const b = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const hostBefore = statfsSync(ROOT);
    const imageA = join(TASKS, a.taskId, 'disk.img');

    const fill = join(await storage.taskVolumeDir(a, 'data'), 'fill');
    const chunk = randomBytes(MiB);
    let written = 0;
    let error: NodeJS.ErrnoException | undefined;
    const fd = openSync(fill, 'w');
    try {
      for (let i = 0; i < 128; i++) written += writeSync(fd, chunk);
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    } finally {
      closeSync(fd);
    }
    assert.equal(error?.code, 'ENOSPC', `expected ENOSPC after ${written} bytes, got ${String(error)}`);
    assert.ok(written > 48 * MiB && written <= 64 * MiB, `wrote ${written} bytes before ENOSPC`);
    t.diagnostic(`ENOSPC after ${(written / MiB).toFixed(1)} MiB on a 64 MiB disk`);

    // Any process in the task sees the same.
    const dd = await new Promise<string>((resolve) => {
      execFile('dd', ['if=/dev/zero', `of=${join(a.mountPoint, 'more')}`, 'bs=1M', 'count=4', 'conv=fsync'], (_e, _o, stderr) => resolve(stderr));
    });
    assert.match(dd, /No space left on device/);

    // The other task's disk is unaffected.
    const other = join(await storage.taskVolumeDir(b, 'data'), 'ok');
    const fh = await open(other, 'w');
    await fh.write(randomBytes(8 * MiB));
    await fh.sync();
    await fh.close();
    assert.equal(statSync(other).size, 8 * MiB);

    // The host lost at most what the images allocated, and an image never allocates past its cap.
    const allocA = statSync(imageA).blocks * 512;
    const allocB = statSync(join(TASKS, b.taskId, 'disk.img')).blocks * 512;
    assert.ok(allocA <= 64 * MiB, `image A allocates ${allocA} bytes`);
    execFileSync('sync', ['-f', imageA]);
    const hostAfter = statfsSync(ROOT);
    const hostLost = (hostBefore.bavail - hostAfter.bavail) * hostAfter.bsize;
    assert.ok(hostLost <= allocA + allocB + 64 * MiB, `host lost ${hostLost} bytes, images hold ${allocA + allocB}`);
    assert.ok(hostAfter.bavail * hostAfter.bsize > 256 * MiB, 'host still has room');

    await storage.destroyTask(a.taskId);
    await storage.destroyTask(b.taskId);
    await assertTaskGone(storage, a.taskId);
    await assertTaskGone(storage, b.taskId);
  });

  test('overlay rootfs: layers merge top-first with whiteouts, writes go to the upper dir, readonly gives EROFS', async (t) => {
    const disk = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const t0 = performance.now();
    const rootfs = await storage.mountRootfs(disk, 'app', [l0, l1, l2]);
    t.diagnostic(`overlay mount (3 layers): ${ms(t0)}`);
    assert.equal(rootfs, join(TASKS, disk.taskId, 'rootfs', 'app'));
    const m = await mountAt(rootfs);
    assert.equal(m?.fsType, 'overlay');
    assert.ok(m!.superOptions.includes(`lowerdir=${l2}:${l1}:${l0}`), m!.superOptions);

    // The merged view.
    assert.deepEqual(readdirSync(rootfs).sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(read(join(rootfs, 'a')), 'a2', 'top layer wins');
    assert.equal(read(join(rootfs, 'b')), 'b2', 're-created above a whiteout');
    assert.equal(read(join(rootfs, 'c')), 'c0', 'untouched lower file shows through');
    assert.equal(read(join(rootfs, 'e')), 'e1');
    assert.deepEqual(readdirSync(join(rootfs, 'd')), ['y'], 'd/x whited out by l1');
    assert.equal(existsSync(join(rootfs, 'nothing-below')), false, 'whiteouts never show');

    // Writes land in the upper dir on the task disk; lower layers never change.
    const upper = join(disk.mountPoint, 'containers', 'app', 'upper');
    assert.equal(statSync(upper).dev, statSync(disk.mountPoint).dev, 'upper dir is on the task disk');
    writeFileSync(join(rootfs, 'new'), 'n');
    writeFileSync(join(rootfs, 'a'), 'changed');
    unlinkSync(join(rootfs, 'c'));
    assert.equal(read(join(upper, 'new')), 'n');
    assert.equal(read(join(upper, 'a')), 'changed');
    const wh = lstatSync(join(upper, 'c'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'deleting a lower file leaves a 0:0 whiteout in upper');
    assert.equal(read(join(l2, 'a')), 'a2');
    assert.equal(read(join(l0, 'c')), 'c0');
    assert.equal(existsSync(join(rootfs, 'c')), false);

    // Idempotent: no second mount.
    assert.equal(await storage.mountRootfs(disk, 'app', [l0, l1, l2]), rootfs);
    assert.equal((await readMountInfo()).filter((x) => x.mountPoint === rootfs).length, 1);

    // Read-only rootfs.
    const ro = await storage.mountRootfs(disk, 'ro', [l0, l1, l2], { readonly: true });
    assert.equal(read(join(ro, 'a')), 'a2');
    assert.ok((await mountAt(ro))!.mountOptions.includes('ro'));
    assert.throws(() => writeFileSync(join(ro, 'x'), 'x'), { code: 'EROFS' });
    assert.throws(() => unlinkSync(join(ro, 'a')), { code: 'EROFS' });

    // An image without layers gets an empty rootfs.
    const empty = await storage.mountRootfs(disk, 'scratch', []);
    assert.deepEqual(readdirSync(empty), []);

    // Bad input is refused before anything is mounted.
    await assert.rejects(storage.mountRootfs(disk, '../evil', [l0]), /invalid container name/);
    await assert.rejects(storage.mountRootfs(disk, 'x', ['relative/dir']), /not an absolute path/);
    await assert.rejects(storage.mountRootfs(disk, 'x', [join(LAYERS, 'missing')]), /does not exist/);

    const t1 = performance.now();
    await storage.destroyTask(disk.taskId);
    t.diagnostic(`destroy (disk + 3 overlays): ${ms(t1)}`);
    await assertTaskGone(storage, disk.taskId);
  });

  test('deep images: options longer than a page mount through short relative paths; >500 layers fail clearly', async (t) => {
    const disk = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const layers: string[] = [];
    for (let i = 0; i < 60; i++) {
      layers.push(makeLayer(`deep/${'sha256-'.padEnd(90, 'f')}-${String(i).padStart(3, '0')}`, { n: String(i), [`only-${i}`]: '' }));
    }
    assert.ok(layers.join(':').length > 4096, 'absolute lowerdir would not fit in a page');
    const t0 = performance.now();
    const rootfs = await storage.mountRootfs(disk, 'deep', layers);
    t.diagnostic(`overlay mount (60 layers, short paths): ${ms(t0)}`);
    assert.equal(read(join(rootfs, 'n')), '59', 'the last (top) layer wins');
    assert.ok(existsSync(join(rootfs, 'only-0')) && existsSync(join(rootfs, 'only-59')));
    const m = await mountAt(rootfs);
    assert.ok(m!.superOptions.includes('lowerdir=l/59:l/58:'), m!.superOptions.slice(0, 200));

    await assert.rejects(storage.mountRootfs(disk, 'too-deep', new Array(501).fill(l0)), /501 layers; overlayfs mounts at most 500/);
    assert.equal(await mountAt(join(TASKS, disk.taskId, 'rootfs', 'too-deep')), undefined);

    await storage.destroyTask(disk.taskId);
    await assertTaskGone(storage, disk.taskId);
  });

  test('a task volume is one directory on the task disk, shared by the task\'s containers', async () => {
    const disk = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const a = await storage.mountRootfs(disk, 'a', [l0]);
    const b = await storage.mountRootfs(disk, 'b', [l0, l1]);
    const vol = await storage.taskVolumeDir(disk, 'shared');
    assert.equal(vol, join(disk.mountPoint, 'volumes', 'shared'));
    assert.equal(await storage.taskVolumeDir(disk, 'shared'), vol);
    assert.equal(statSync(vol).dev, statSync(disk.mountPoint).dev, 'on the task disk (counts against its cap)');
    assert.equal(statSync(vol).mode & 0o777, 0o755);
    await assert.rejects(storage.taskVolumeDir(disk, '..'), /invalid volume name/);

    mkdirSync(join(a, 'data'));
    mkdirSync(join(b, 'data'));
    await bindMount(vol, join(a, 'data'));
    await bindMount(vol, join(b, 'data'), { readonly: true });
    writeFileSync(join(a, 'data', 'hello'), 'from a');
    assert.equal(read(join(b, 'data', 'hello')), 'from a');
    assert.equal(read(join(vol, 'hello')), 'from a');
    assert.throws(() => writeFileSync(join(b, 'data', 'nope'), 'x'), { code: 'EROFS' });

    // destroyTask also removes the bind mounts inside the rootfs.
    await storage.destroyTask(disk.taskId);
    await assertTaskGone(storage, disk.taskId);
  });

  test('persistent volumes outlive tasks, are shared between tasks, and stay inside their file system', async () => {
    const fsId = 'fs-0123456789abcdef0';
    const path = await volumes.pathFor(fsId, '/data/app');
    assert.equal(path, join(EFS, fsId, 'data', 'app'));
    assert.equal(statSync(path).mode & 0o777, 0o755);
    assert.equal(await volumes.pathFor(fsId, 'data/./app/'), path);
    assert.equal(await volumes.pathFor(fsId, '/data/../data/app'), path);
    assert.equal(await volumes.pathFor(fsId, '/'), join(EFS, fsId));

    const t1 = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const t2 = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const r1 = await storage.mountRootfs(t1, 'app', [l0]);
    const r2 = await storage.mountRootfs(t2, 'app', [l0]);
    mkdirSync(join(r1, 'mnt'));
    mkdirSync(join(r2, 'mnt'));
    await bindMount(path, join(r1, 'mnt'));
    await bindMount(path, join(r2, 'mnt'));
    writeFileSync(join(r1, 'mnt', 'shared.txt'), 'written by task 1');
    assert.equal(read(join(r2, 'mnt', 'shared.txt')), 'written by task 1');

    await storage.destroyTask(t1.taskId);
    await storage.destroyTask(t2.taskId);
    await assertTaskGone(storage, t1.taskId);
    await assertTaskGone(storage, t2.taskId);
    assert.equal(read(join(path, 'shared.txt')), 'written by task 1', 'data outlives the tasks');
    assert.equal(await volumes.pathFor(fsId, '/data/app'), path);

    // Escapes are refused.
    for (const bad of ['/..', '../etc', '/data/../../etc', 'a/../../b']) {
      await assert.rejects(volumes.pathFor(fsId, bad), /escapes the file system/, bad);
    }
    for (const bad of ['..', '.', 'a/b', '', '../efs']) {
      await assert.rejects(volumes.pathFor(bad, '/'), /invalid file system id/, bad);
    }
    symlinkSync(join(ROOT, 'layers'), join(EFS, fsId, 'evil'));
    await assert.rejects(volumes.pathFor(fsId, '/evil/x'), /symbolic link/);
    assert.equal(existsSync(join(ROOT, 'layers', 'x')), false, 'nothing created through the link');

    // creationInfo-style mode for a new directory.
    const priv = await volumes.pathFor(fsId, '/private', { mode: 0o700 });
    assert.equal(statSync(priv).mode & 0o777, 0o700);

    await volumes.pathFor('fs-other', '/');
    assert.deepEqual(await volumes.list(), [fsId, 'fs-other']);
    await volumes.remove('fs-other');
    await volumes.remove('fs-other');
    assert.deepEqual(await volumes.list(), [fsId]);
    assert.ok(existsSync(path));
  });

  test('destroyTask leaves nothing even when busy (lazy), and is idempotent', async (t) => {
    const disk = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    const rootfs = await storage.mountRootfs(disk, 'app', [l0, l1]);
    await storage.mountRootfs(disk, 'sidecar', [l0]);
    const vol = await storage.taskVolumeDir(disk, 'v');
    mkdirSync(join(rootfs, 'v'));
    await bindMount(vol, join(rootfs, 'v'));
    const device = (await mountAt(disk.mountPoint))!.source;

    // A process still holds a file open in the rootfs: unmount retries, then detaches lazily.
    const busy = openSync(join(rootfs, 'a'), 'r');
    try {
      const t0 = performance.now();
      await storage.destroyTask(disk.taskId);
      t.diagnostic(`destroy with a busy rootfs (retries, then lazy): ${ms(t0)}`);
      assert.deepEqual(await mountsUnder(join(TASKS, disk.taskId)), []);
      assert.equal(existsSync(join(TASKS, disk.taskId)), false);
    } finally {
      closeSync(busy);
    }
    // Once the last user lets go, the loop device clears itself (auto-clear).
    await waitFor(`${device} to detach`, async () => (await loopBackingFile(device)) !== join(TASKS, disk.taskId, 'disk.img'));
    await assertTaskGone(storage, disk.taskId);

    await storage.destroyTask(disk.taskId);
    await storage.destroyTask(newTaskId()); // never existed
    await assert.rejects(storage.destroyTask('../tasks'), /invalid task id/);
  });

  test('after an agent crash (SIGKILL mid-task) a new instance finds and cleans up everything', async () => {
    const taskId = newTaskId();
    const moduleUrl = new URL('../../src/agent/storage/local-task-storage.js', import.meta.url).href;
    const mountUrl = new URL('../../src/agent/host/mount.js', import.meta.url).href;
    const script = `
      import { LocalTaskStorage } from ${JSON.stringify(moduleUrl)};
      import { bindMount } from ${JSON.stringify(mountUrl)};
      import { mkdirSync } from 'node:fs';
      const s = new LocalTaskStorage(${JSON.stringify(TASKS)});
      const disk = await s.createTaskDisk(${JSON.stringify(taskId)}, 0, { sizeMiB: 64 });
      const rootfs = await s.mountRootfs(disk, 'app', ${JSON.stringify([l0, l1, l2])});
      const vol = await s.taskVolumeDir(disk, 'v');
      mkdirSync(rootfs + '/v');
      await bindMount(vol, rootfs + '/v');
      process.stdout.write('ready\\n', () => process.kill(process.pid, 'SIGKILL'));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL', `child: ${out} ${err}`);
    assert.match(out, /ready/);

    const dir = join(TASKS, taskId);
    assert.equal((await mountsUnder(dir)).length, 3, 'disk, rootfs and volume bind mount left by the dead agent');
    assert.equal(loopsUnder(dir).length, 1);

    const restarted = new LocalTaskStorage(TASKS);
    assert.ok((await restarted.listTasks()).includes(taskId));
    // A restarted agent that adopts the task gets the same disk and rootfs without new mounts.
    const disk = await restarted.createTaskDisk(taskId, 0, SMALL);
    assert.equal(await restarted.mountRootfs(disk, 'app', [l0, l1, l2]), join(dir, 'rootfs', 'app'));
    assert.equal((await mountsUnder(dir)).length, 3);

    await restarted.destroyTask(taskId);
    await assertTaskGone(restarted, taskId);
    await restarted.destroyTask(taskId);
  });

  test('cleanup works without the record too (crash before storage.json was written)', async () => {
    const disk = await storage.createTaskDisk(newTaskId(), 0, SMALL);
    await storage.mountRootfs(disk, 'app', [l0]);
    rmSync(join(TASKS, disk.taskId, 'storage.json'));
    await new LocalTaskStorage(TASKS).destroyTask(disk.taskId);
    await assertTaskGone(storage, disk.taskId);
  });

  test('bad sizes and task ids are refused', async () => {
    await assert.rejects(storage.createTaskDisk('../x', 21), /invalid task id/);
    await assert.rejects(storage.createTaskDisk(newTaskId(), 0), /invalid task disk size/);
    await assert.rejects(storage.createTaskDisk(newTaskId(), 0, { sizeMiB: 1.5 }), /invalid task disk size/);
    await assert.rejects(storage.createTaskDisk(newTaskId(), 0, { sizeMiB: 8 }), /invalid task disk size/);
    await assert.rejects(storage.usage({ taskId: newTaskId(), mountPoint: '/', sizeGiB: 1 }), /not mounted/);
  });

  test('nothing is left behind by this suite', async () => {
    assert.deepEqual(await storage.listTasks(), []);
    assert.deepEqual((await mountsUnder(ROOT)).map((m) => m.mountPoint), []);
    assert.deepEqual(loopsUnder(ROOT), []);
  });
});
