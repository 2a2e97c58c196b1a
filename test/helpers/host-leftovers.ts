/**
 * What Pier's host agent leaves on a machine, for end-to-end tests that run real sandboxes:
 * snapshot before starting Pier, snapshot again once every task is STOPPED and the Pier/agent
 * processes have exited, and expect no difference.
 *
 *   const scope = { dataDirs: [pier.dataDir] };
 *   const before = snapshotHost(scope);
 *   ...run tasks, stop them, stop pier...
 *   const left = await waitForNoLeftovers(before, { ...scope, taskIds });   // {} when clean
 *   assert.deepEqual(left, {}, formatLeftovers(left));
 *
 * Everything is scoped to the given data dirs, so test files (and other people) running Pier on
 * the same machine at the same time do not show up:
 * - mounts: mount points (from /proc/self/mountinfo) under the data dirs;
 * - loops: loop devices whose backing file is under the data dirs (`losetup -l -J`);
 * - netns: network namespaces `p<instance>-…` of the agents of these data dirs (an agent's
 *   instance is the first 8 hex digits of sha256(`<dataDir>/agent`), see src/agent/create-agent.ts);
 * - links: the agents' VPC bridges and task veths (`p<instance[0:6]>v…`, `p<instance[0:6]>e…`);
 * - nftables: the agents' tables (`inet`/`bridge pier_<instance>`);
 * - cgroups: directories under /sys/fs/cgroup/<hierarchy>/pier/<instance> (the instance dir included);
 * - sandboxes: what `runsc --root /run/pier/<instance>/runsc list` and `runc --root … list` report;
 * - runtimeFiles: anything under /run/pier/<instance> (the runtimes' state roots included);
 * - processes: processes whose command line mentions a data dir, an instance's /run/pier path,
 *   or one of the task ids.
 *
 * removeLeftovers() is the after-hook's last resort when a test failed half-way: it removes only
 * what a diff against the earlier snapshot attributes to these data dirs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface LeftoverScope {
  /** Data dirs of `pier up` (with its agent) or `pier agent --data-dir`. */
  dataDirs: readonly string[];
  /** Task ids (32 hex digits) whose processes must be gone. */
  taskIds?: Iterable<string>;
}

export interface HostSnapshot {
  mounts: string[];
  loops: string[];
  netns: string[];
  links: string[];
  nftables: string[];
  cgroups: string[];
  sandboxes: string[];
  runtimeFiles: string[];
  processes: string[];
}

export type Leftovers = Partial<Record<keyof HostSnapshot, string[]>>;

const KINDS: (keyof HostSnapshot)[] = ['mounts', 'loops', 'netns', 'links', 'nftables', 'cgroups', 'sandboxes', 'runtimeFiles', 'processes'];
const CGROUP_ROOT = '/sys/fs/cgroup';
const RUN_ROOT = '/run/pier';
const NETNS_DIR = '/var/run/netns';

/** The agent's instance id for a data dir: the name of its netns prefix, cgroup parent and /run/pier dir. */
export function agentInstance(dataDir: string): string {
  return createHash('sha256').update(join(dataDir, 'agent')).digest('hex').slice(0, 8);
}

function canonical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

function mountPoints(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => unescapeMount(l.split(' ')[4]!));
  } catch {
    return [];
  }
}

interface LoopDevice { name: string; 'back-file'?: string | null }

function loopDevices(): LoopDevice[] {
  try {
    const out = execFileSync('losetup', ['-l', '-J'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() ? (JSON.parse(out) as { loopdevices?: LoopDevice[] }).loopdevices ?? [] : [];
  } catch {
    return [];
  }
}

function cgroupHierarchies(): string[] {
  try {
    return readdirSync(CGROUP_ROOT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(CGROUP_ROOT, e.name));
  } catch {
    return [];
  }
}

function dirsBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    out.push(d);
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(dir);
  return out;
}

function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    out.push(`${d}/`);
    for (const e of entries) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

function runtimeList(runtime: 'runsc' | 'runc', root: string): string[] {
  if (!existsSync(root)) return [];
  const args = runtime === 'runsc' ? [`--root=${root}`, 'list', '-format', 'json'] : ['--root', root, 'list', '-f', 'json'];
  const r = spawnSync(runtime, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return [`${runtime} ${root}: list failed: ${(r.stderr || r.stdout).trim().slice(0, 200)}`];
  type Listed = { id?: string; status?: string; pid?: number };
  let parsed: Listed[] | null;
  try {
    parsed = JSON.parse(r.stdout.trim() || 'null') as Listed[] | null;
  } catch {
    return [`${runtime} ${root}: ${r.stdout.trim().slice(0, 200)}`];
  }
  return (parsed ?? []).map((c) => `${runtime} ${root}: ${c.id} ${c.status ?? ''} pid ${c.pid ?? '-'}`);
}

function processCmdlines(): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/[\0\s]+/g, ' ');
      if (cmdline) out.push({ pid, cmdline });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function needles(scope: LeftoverScope): string[] {
  const dirs = scope.dataDirs.flatMap((d) => [d, canonical(d)]);
  return [...new Set([
    ...dirs,
    ...scope.dataDirs.map((d) => `${RUN_ROOT}/${agentInstance(d)}`),
    ...[...(scope.taskIds ?? [])],
  ])];
}

/** The host state that belongs to these data dirs right now. */
export function snapshotHost(scope: LeftoverScope): HostSnapshot {
  const dirs = [...new Set(scope.dataDirs.flatMap((d) => [d, canonical(d)]))];
  const instances = [...new Set(scope.dataDirs.map(agentInstance))];
  const inDirs = (p: string): boolean => dirs.some((d) => under(p, d));

  const mounts = mountPoints().filter(inDirs);
  const loops = loopDevices()
    .filter((l) => l['back-file'] && inDirs(l['back-file'].replace(/ \(deleted\)$/, '')))
    .map((l) => `${l.name} -> ${l['back-file']}`);
  let netns: string[] = [];
  try {
    netns = readdirSync(NETNS_DIR).filter((n) => instances.some((i) => n.startsWith(`p${i}-`)));
  } catch {
    // no netns dir yet
  }
  let links: string[] = [];
  try {
    links = readdirSync('/sys/class/net').filter((n) => instances.some((i) => n.startsWith(`p${i.slice(0, 6)}v`) || n.startsWith(`p${i.slice(0, 6)}e`)));
  } catch {
    // no sysfs
  }
  const tables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' }).stdout ?? '';
  const nftables = tables.split('\n').map((l) => l.trim()).filter((l) => instances.some((i) => l.endsWith(` pier_${i}`)));
  const cgroups = cgroupHierarchies().flatMap((h) => instances.flatMap((i) => dirsBelow(join(h, 'pier', i))));
  const sandboxes = instances.flatMap((i) => [
    ...runtimeList('runsc', `${RUN_ROOT}/${i}/runsc`),
    ...runtimeList('runc', `${RUN_ROOT}/${i}/runc`),
  ]);
  const runtimeFiles = instances.flatMap((i) => filesBelow(`${RUN_ROOT}/${i}`));
  const wanted = needles(scope);
  const processes = processCmdlines()
    .filter((p) => wanted.some((n) => p.cmdline.includes(n)))
    .map((p) => `${p.pid}: ${p.cmdline.slice(0, 300)}`);
  return {
    mounts: mounts.sort(), loops: loops.sort(), netns: netns.sort(), links: links.sort(), nftables: nftables.sort(), cgroups: cgroups.sort(),
    sandboxes: sandboxes.sort(), runtimeFiles: runtimeFiles.sort(), processes,
  };
}

/** What `after` has that `before` had not, by kind (kinds without a difference are left out). */
export function leftovers(before: HostSnapshot, after: HostSnapshot): Leftovers {
  const out: Leftovers = {};
  for (const k of KINDS) {
    const had = new Set(before[k]);
    const extra = after[k].filter((x) => !had.has(x));
    if (extra.length > 0) out[k] = extra;
  }
  return out;
}

export function formatLeftovers(left: Leftovers): string {
  const kinds = Object.keys(left) as (keyof HostSnapshot)[];
  if (kinds.length === 0) return 'nothing left on the host';
  return `left on the host:\n${kinds.map((k) => `  ${k}:\n${left[k]!.map((x) => `    ${x}`).join('\n')}`).join('\n')}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Snapshots until nothing is left relative to `before`, or `timeoutMs` passes (teardown is
 * asynchronous: a sandbox's processes take a moment to go). Returns what is left ({} when clean).
 */
export async function waitForNoLeftovers(before: HostSnapshot, scope: LeftoverScope, timeoutMs = 10_000): Promise<Leftovers> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = leftovers(before, snapshotHost(scope));
    if (Object.keys(left).length === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Last resort for after-hooks: removes what these data dirs left (processes by pid, runtime
 * containers, mounts deepest first, loop devices, netns, cgroups, /run/pier/<instance>).
 * Returns what it did, for the log. Never touches anything outside the scope.
 */
export async function removeLeftovers(before: HostSnapshot, scope: LeftoverScope): Promise<string[]> {
  const done: string[] = [];
  const instances = [...new Set(scope.dataDirs.map(agentInstance))];
  const left = leftovers(before, snapshotHost(scope));
  const pids = (left.processes ?? []).map((p) => Number(p.slice(0, p.indexOf(':')))).filter((p) => p > 1 && p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      done.push(`killed ${pid}`);
    } catch {
      // gone
    }
  }
  const until = Date.now() + 5000;
  while (pids.some(pidAlive) && Date.now() < until) await sleep(50);
  for (const i of instances) {
    for (const [runtime, root] of [['runsc', `${RUN_ROOT}/${i}/runsc`], ['runc', `${RUN_ROOT}/${i}/runc`]] as const) {
      if (!existsSync(root)) continue;
      const list = spawnSync(runtime, runtime === 'runsc' ? [`--root=${root}`, 'list', '-quiet'] : ['--root', root, 'list', '-q'], { encoding: 'utf8', timeout: 30_000 });
      for (const id of (list.stdout ?? '').split('\n').map((s) => s.trim()).filter(Boolean)) {
        const args = runtime === 'runsc' ? [`--root=${root}`, 'delete', '-force', id] : ['--root', root, 'delete', '-f', id];
        spawnSync(runtime, args, { timeout: 30_000 });
        done.push(`${runtime} delete ${id}`);
      }
    }
  }
  const mounts = snapshotHost(scope).mounts.filter((m) => !before.mounts.includes(m)).sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    const r = spawnSync('umount', [m], { timeout: 30_000 });
    if (r.status !== 0) spawnSync('umount', ['-l', m], { timeout: 30_000 });
    done.push(`umount ${m}`);
  }
  for (const l of leftovers(before, snapshotHost(scope)).loops ?? []) {
    const dev = l.split(' ')[0]!;
    spawnSync('losetup', ['-d', dev], { timeout: 30_000 });
    done.push(`losetup -d ${dev}`);
  }
  for (const n of left.netns ?? []) {
    spawnSync('ip', ['netns', 'del', n], { timeout: 30_000 });
    done.push(`ip netns del ${n}`);
  }
  for (const l of left.links ?? []) {
    spawnSync('ip', ['link', 'del', l], { timeout: 30_000 });
    done.push(`ip link del ${l}`);
  }
  for (const t of left.nftables ?? []) {
    spawnSync('nft', ['delete', ...t.split(' ')], { timeout: 30_000 }); // "table inet pier_…"
    done.push(`nft delete ${t}`);
  }
  const cgroups = (leftovers(before, snapshotHost(scope)).cgroups ?? []).sort((a, b) => b.length - a.length);
  for (const c of cgroups) {
    try {
      rmdirSync(c);
      done.push(`rmdir ${c}`);
    } catch {
      // busy or gone
    }
  }
  for (const i of instances) {
    if (existsSync(`${RUN_ROOT}/${i}`) && !before.runtimeFiles.includes(`${RUN_ROOT}/${i}/`)) {
      rmSync(`${RUN_ROOT}/${i}`, { recursive: true, force: true });
      done.push(`rm -r ${RUN_ROOT}/${i}`);
    }
  }
  return done;
}

/**
 * Removes a data dir, but only when nothing is mounted under it any more: a recursive delete
 * would otherwise reach into task disks and bind-mounted volumes. Returns false when it refused.
 */
export function removeDataDir(dir: string): boolean {
  const c = canonical(dir);
  if (mountPoints().some((m) => under(m, c) || under(m, dir))) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
