/**
 * The task cgroups the runtimes manage on the host, cgroup v1 (what these machines run: one
 * hierarchy per controller under /sys/fs/cgroup, plus the named `systemd` one). A task's cgroups
 * live at `<parent>/<taskId>` in every hierarchy; container cgroups (runc) nest below it.
 *
 * On a host without v1 hierarchies every function here is a no-op that reports "nothing": limits
 * then rest on the runtime alone and OOM detection falls back to exit status 137.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OciResources } from './spec.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Mount points of the v1 hierarchies (memory, cpu, pids, …, and named ones such as systemd). */
export function v1Hierarchies(): string[] {
  let mountinfo: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    // "… <mount point> <options> … - cgroup cgroup rw,memory"
    const [pre, post] = line.split(' - ');
    // The v2 `unified` hierarchy of a hybrid host counts too: runc creates task cgroups there as well.
    if (!pre || !post || !(post.startsWith('cgroup ') || post.startsWith('cgroup2 '))) continue;
    const mountPoint = pre.split(' ')[4];
    if (mountPoint?.startsWith(CGROUP_ROOT)) out.push(mountPoint);
  }
  return [...new Set(out)].sort();
}

/** The mount point of the v1 hierarchy that has `controller` (e.g. "memory", "cpu"), if any. */
export function hierarchyOf(controller: string): string | undefined {
  return v1Hierarchies().find((h) => h.split('/').pop()!.split(',').includes(controller));
}

/** `<memory hierarchy><path>/memory.oom_control`, if the memory controller is mounted. */
export function oomControlFile(cgroupPath: string): string | undefined {
  const mem = hierarchyOf('memory');
  return mem ? join(mem, cgroupPath, 'memory.oom_control') : undefined;
}

/** The `oom_kill` counter of a cgroup (0 when unknown). */
export function readOomKills(cgroupPath: string): number {
  const file = oomControlFile(cgroupPath);
  if (!file) return 0;
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function write(dir: string, file: string, value: string | number): void {
  const path = join(dir, file);
  if (existsSync(path)) writeFileSync(path, String(value));
}

/**
 * Creates the cgroup in every hierarchy (idempotent) and applies the limits: memory hard limit
 * (and memory+swap at the same value: no swap), cpu shares and CFS quota, pids limit.
 */
export function ensureCgroup(cgroupPath: string, resources: OciResources): void {
  for (const h of v1Hierarchies()) {
    const dir = join(h, cgroupPath);
    mkdirSync(dir, { recursive: true });
    const controllers = h.split('/').pop()!.split(',');
    if (controllers.includes('cpuset')) inheritCpuset(h, cgroupPath);
    if (controllers.includes('memory') && resources.memory?.limit) {
      write(dir, 'memory.limit_in_bytes', resources.memory.limit);
      if (resources.memory.swap) {
        try {
          write(dir, 'memory.memsw.limit_in_bytes', resources.memory.swap);
        } catch {
          // swap accounting off: nothing to limit
        }
      }
    }
    if (controllers.includes('memory') && resources.memory?.reservation) write(dir, 'memory.soft_limit_in_bytes', resources.memory.reservation);
    if (controllers.includes('cpu') && resources.cpu) {
      if (resources.cpu.shares) write(dir, 'cpu.shares', resources.cpu.shares);
      if (resources.cpu.period) write(dir, 'cpu.cfs_period_us', resources.cpu.period);
      if (resources.cpu.quota) write(dir, 'cpu.cfs_quota_us', resources.cpu.quota);
    }
    if (controllers.includes('pids') && resources.pids) write(dir, 'pids.max', resources.pids.limit);
  }
}

/** Lifts the cgroup's CFS quota (cpu.cfs_quota_us = -1), if it has a cpu controller. */
export function clearCpuQuota(cgroupPath: string): void {
  const cpu = hierarchyOf('cpu');
  if (cpu) write(join(cpu, cgroupPath), 'cpu.cfs_quota_us', -1);
}

/** A new cpuset cgroup starts with no cpus/mems: copy them down from the parents. */
function inheritCpuset(hierarchy: string, cgroupPath: string): void {
  let dir = hierarchy;
  for (const part of cgroupPath.split('/').filter(Boolean)) {
    const parent = dir;
    dir = join(dir, part);
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      try {
        if (readFileSync(join(dir, f), 'utf8').trim() === '') writeFileSync(join(dir, f), readFileSync(join(parent, f), 'utf8').trim());
      } catch {
        // not a cpuset hierarchy after all
      }
    }
  }
}

/** `cgroup.procs` files of the cgroup in every hierarchy where it exists (a process joins by writing its pid to each). */
export function procsFiles(cgroupPath: string): string[] {
  return v1Hierarchies().map((h) => join(h, cgroupPath, 'cgroup.procs')).filter((f) => existsSync(f));
}

/** Pids in the cgroup or any cgroup below it, across all hierarchies. */
export function pidsIn(cgroupPath: string): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    try {
      for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p));
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      // gone
    }
  };
  for (const h of v1Hierarchies()) walk(join(h, cgroupPath));
  return [...pids];
}

/** Removes the cgroup and everything below it in every hierarchy. Returns the dirs it could not remove. */
export function removeCgroupTree(cgroupPath: string): string[] {
  const left: string[] = [];
  const remove = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) remove(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
    }
  };
  for (const h of v1Hierarchies()) remove(join(h, cgroupPath));
  return left;
}

/**
 * removeCgroupTree, tried again for up to `timeoutMs` while something is left: cgroup v1 refuses
 * rmdir (EBUSY) until a killed task has fully exited, which can trail its SIGKILL by a moment on a
 * loaded host. Returns the dirs still there at the deadline.
 */
export async function removeCgroupTreeSettled(cgroupPath: string, timeoutMs = 3_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = removeCgroupTree(cgroupPath);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

/** Child cgroup names under `parent` in any hierarchy (task ids, for listSandboxes). */
export function childCgroups(parent: string): string[] {
  const names = new Set<string>();
  for (const h of v1Hierarchies()) {
    try {
      for (const e of readdirSync(join(h, parent), { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
    } catch {
      // parent not created in this hierarchy
    }
  }
  return [...names].sort();
}

export function cgroupExists(cgroupPath: string): boolean {
  return v1Hierarchies().some((h) => {
    try {
      return statSync(join(h, cgroupPath)).isDirectory();
    } catch {
      return false;
    }
  });
}
