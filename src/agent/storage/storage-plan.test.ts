/** Pure parts of task storage: overlay option planning, rootDirectory confinement, mountinfo parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountInfo } from '../host/mount.js';
import { planOverlay, OverlayPlanError } from './overlay.js';
import { rootDirectorySegments, PersistentVolumeError } from './persistent-volumes.js';

const base = { upperDir: '/t/disk/containers/app/upper', workDir: '/t/disk/containers/app/work', containerDir: '/t/disk/containers/app', readonly: false };

test('lowerdir lists the top layer first (images list the base first)', () => {
  const plan = planOverlay({ ...base, layerDirs: ['/c/base', '/c/mid', '/c/top'] });
  assert.deepEqual(plan, {
    options: ['lowerdir=/c/top:/c/mid:/c/base', 'upperdir=/t/disk/containers/app/upper', 'workdir=/t/disk/containers/app/work'],
    links: [],
  });
  assert.deepEqual(planOverlay({ ...base, readonly: true, layerDirs: ['/c/a'] }).options.at(-1), 'ro');
});

test('options longer than the mount data limit switch to short relative links', () => {
  const layerDirs = Array.from({ length: 50 }, (_, i) => `/var/lib/pier/layers/sha256/${'e'.repeat(64)}/${i}`);
  const plan = planOverlay({ ...base, layerDirs });
  assert.equal(plan.cwd, base.containerDir);
  assert.equal(plan.links.length, 50);
  assert.deepEqual(plan.links[0], { path: 'l/0', target: layerDirs[0] });
  assert.ok(plan.options[0]!.startsWith('lowerdir=l/49:l/48:'));
  assert.ok(plan.options[0]!.endsWith(':l/1:l/0'));
  assert.deepEqual(plan.options.slice(1), ['upperdir=upper', 'workdir=work']);
  assert.ok(plan.options.join(',').length <= 4095);
});

test('paths the option parser would split on use links too; impossible stacks fail clearly', () => {
  assert.equal(planOverlay({ ...base, layerDirs: ['/c/a:b', '/c/d'] }).links.length, 2);
  assert.equal(planOverlay({ ...base, layerDirs: ['/c/a,b'] }).links.length, 1);
  assert.throws(() => planOverlay({ ...base, layerDirs: [] }), OverlayPlanError);
  assert.throws(() => planOverlay({ ...base, layerDirs: new Array(501).fill('/c/a') }), /501 layers; overlayfs mounts at most 500/);
  assert.throws(() => planOverlay({ ...base, layerDirs: new Array(400).fill('/c/a'), maxData: 1000 }), /need \d+ bytes even with short paths/);
});

test('rootDirectory resolves inside its file system or is refused', () => {
  assert.deepEqual(rootDirectorySegments('/'), []);
  assert.deepEqual(rootDirectorySegments(''), []);
  assert.deepEqual(rootDirectorySegments('/a/./b//c/'), ['a', 'b', 'c']);
  assert.deepEqual(rootDirectorySegments('/a/../b'), ['b']);
  for (const bad of ['..', '/..', '/a/../..', '../x', 'a/b/../../../c']) assert.throws(() => rootDirectorySegments(bad), PersistentVolumeError, bad);
  assert.throws(() => rootDirectorySegments('/a\0b'), PersistentVolumeError);
});

test('mountinfo lines parse, with octal escapes and optional fields', () => {
  const [m] = parseMountInfo('36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n');
  assert.deepEqual(m, {
    mountId: 36, parentId: 35, device: '98:0', root: '/mnt1', mountPoint: '/mnt/with space', mountOptions: ['rw', 'noatime'],
    fsType: 'ext3', source: '/dev/root', superOptions: 'rw,errors=continue',
  });
  assert.equal(parseMountInfo('50 27 0:39 / /r rw - overlay overlay rw,lowerdir=l/1:l/0\n')[0]!.superOptions, 'rw,lowerdir=l/1:l/0');
});
