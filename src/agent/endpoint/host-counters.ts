/**
 * Reads a container's counters from the host (read-only file reads, no processes): its cgroup's
 * CPU, memory, pid and block-I/O files, in the v1 hierarchies where a controller has one (these
 * hosts) and else in the cgroup2 tree; host CPU time and online CPUs; and the counters of the
 * task's ENI, seen from inside its network namespace through /proc/<pid>/net/dev of a process of
 * the task that lives in it (no name of the host-side veth needed, and rx/tx are the task's).
 *
 * `root` prefixes every absolute path, so tests read fixture trees instead of /sys and /proc.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  blkioFromV2, cpuFromV1, cpuFromV2, memoryFromV1, memoryFromV2, onlineCpus, parseBlkioV1, parseCgroupMounts, parseLimit, parseNetDev, pidsFrom,
  systemCpuNs, type BlkioCounters, type CgroupMounts, type CpuCounters, type MemoryCounters, type NetCounters, type PidsCounters,
} from './stats-parse.js';

export interface CgroupCounters {
  cpu?: CpuCounters;
  memory?: MemoryCounters;
  pids?: PidsCounters;
  blkio?: BlkioCounters;
}

export class HostCounters {
  private mountTable: CgroupMounts | undefined;

  constructor(private readonly root = '') {}

  private read(path: string): string | undefined {
    try {
      return readFileSync(this.root + path, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The cgroup mounts, read once: hierarchies are mounted at boot and stay. */
  get mounts(): CgroupMounts {
    return (this.mountTable ??= parseCgroupMounts(this.read('/proc/self/mountinfo') ?? ''));
  }

  /**
   * The counters of cgroup `path` (below each hierarchy's mount point). Each controller is read
   * where it is mounted: its v1 hierarchy if it has one, else the cgroup2 tree.
   */
  cgroup(path: string): CgroupCounters {
    const { v1, v2 } = this.mounts;
    const at = (controller: string, file: string): string | undefined => {
      const mp = v1[controller];
      return mp ? this.read(join(mp, path, file)) : undefined;
    };
    const unified = (file: string): string | undefined => (v2 ? this.read(join(v2, path, file)) : undefined);
    const cpu = v1.cpuacct
      ? cpuFromV1({
        usage: at('cpuacct', 'cpuacct.usage'), usagePercpu: at('cpuacct', 'cpuacct.usage_percpu'),
        usageUser: at('cpuacct', 'cpuacct.usage_user'), usageSys: at('cpuacct', 'cpuacct.usage_sys'),
        cpuacctStat: at('cpuacct', 'cpuacct.stat'), cpuStat: at('cpu', 'cpu.stat'),
      })
      : cpuFromV2(unified('cpu.stat'));
    const memory = v1.memory
      ? memoryFromV1({
        usage: at('memory', 'memory.usage_in_bytes'), maxUsage: at('memory', 'memory.max_usage_in_bytes'),
        failcnt: at('memory', 'memory.failcnt'), limit: at('memory', 'memory.limit_in_bytes'), stat: at('memory', 'memory.stat'),
      })
      : memoryFromV2({ current: unified('memory.current'), peak: unified('memory.peak'), max: unified('memory.max'), stat: unified('memory.stat') });
    const pids = v1.pids ? pidsFrom(at('pids', 'pids.current'), at('pids', 'pids.max')) : pidsFrom(unified('pids.current'), unified('pids.max'));
    const blkio = v1.blkio
      ? { serviceBytes: parseBlkioV1(at('blkio', 'blkio.throttle.io_service_bytes_recursive')), serviced: parseBlkioV1(at('blkio', 'blkio.throttle.io_serviced_recursive')) }
      : blkioFromV2(unified('io.stat'));
    if (!cpu && !memory) return {}; // no such cgroup (any more)
    return { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}), ...(pids ? { pids } : {}), blkio };
  }

  /** The memory limit of cgroup `path`, if it has one. */
  memoryLimit(path: string): number | undefined {
    const { v1, v2 } = this.mounts;
    if (v1.memory) return parseLimit(this.read(join(v1.memory, path, 'memory.limit_in_bytes')));
    return v2 ? parseLimit(this.read(join(v2, path, 'memory.max'))) : undefined;
  }

  /** Pids in cgroup `path` and below, from one hierarchy (every process is in each). */
  pids(path: string): number[] {
    const base = this.mounts.v1.memory ?? this.mounts.v1.cpuacct ?? this.mounts.v2;
    if (!base) return [];
    const out: number[] = [];
    const walk = (dir: string, depth: number): void => {
      for (const p of (this.read(join(dir, 'cgroup.procs')) ?? '').split('\n')) if (/^\d+$/.test(p)) out.push(Number(p));
      if (depth > 3) return;
      let entries;
      try {
        entries = readdirSync(this.root + dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
    };
    walk(join(base, path), 0);
    return out;
  }

  systemCpuNs(): number | undefined {
    return systemCpuNs(this.read('/proc/stat'));
  }

  onlineCpus(): number | undefined {
    return onlineCpus(this.read('/sys/devices/system/cpu/online'));
  }

  /**
   * The interfaces of the network namespace at `netnsPath`, loopback left out, read through the
   * first of `pids` that lives in it; undefined when none does (or the namespace is gone).
   */
  networks(netnsPath: string, pids: readonly number[]): Record<string, NetCounters> | undefined {
    let ino: number;
    try {
      ino = statSync(this.root + netnsPath).ino;
    } catch {
      return undefined;
    }
    const want = `net:[${ino}]`;
    for (const pid of pids) {
      let link: string;
      try {
        link = readlinkSync(`${this.root}/proc/${pid}/ns/net`);
      } catch {
        continue; // exited meanwhile
      }
      if (link !== want) continue;
      const all = parseNetDev(this.read(`/proc/${pid}/net/dev`));
      delete all.lo;
      return all;
    }
    return undefined;
  }
}
