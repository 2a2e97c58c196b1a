/**
 * Parsers for the host counters behind a container's stats (pure: text in, numbers out): cgroup
 * v1 and v2 control files, /proc/stat, /proc/<pid>/net/dev, /sys/devices/system/cpu/online and the
 * JSON line of `runsc events --stats`. Units are normalised here: CPU times in nanoseconds, memory
 * in bytes. A file that is missing or unreadable is passed as undefined and yields undefined.
 *
 * Counters are JavaScript numbers: exact up to 2^53 (104 days of CPU time in ns), a few ns off
 * beyond, which no consumer of a percentage can see.
 */

export interface Throttling {
  periods: number;
  throttledPeriods: number;
  throttledNs: number;
}

export interface CpuCounters {
  totalNs: number;
  userNs?: number;
  kernelNs?: number;
  /** cgroup v1 only (cpuacct.usage_percpu). */
  perCpuNs?: number[];
  throttling?: Throttling;
}

export interface MemoryCounters {
  usage?: number;
  /** Peak usage: memory.max_usage_in_bytes (v1) or memory.peak (v2, kernels from 5.19). */
  maxUsage?: number;
  failcnt?: number;
  /** Undefined when the cgroup has no limit. */
  limit?: number;
  stats: Record<string, number>;
}

export interface PidsCounters {
  current?: number;
  limit?: number;
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface BlkioCounters {
  serviceBytes: BlkioEntry[];
  serviced: BlkioEntry[];
}

export interface NetCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** The kernel's USER_HZ: /proc/stat and cpuacct.stat count in 1/100 s on every Linux architecture. */
const USER_HZ = 100;
const NS_PER_TICK = 1e9 / USER_HZ;
/** v1 writes "no limit" as the largest page-aligned signed 64-bit value; anything this large is none. */
const UNLIMITED = 2 ** 62;

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  return Number(t);
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat): every numeric value by key. */
export function parseKeyedCounters(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (!key || value === undefined || extra !== undefined || !/^\d+$/.test(value)) continue;
    out[key] = Number(value);
  }
  return out;
}

/** A limit file: a byte or pid count, or "max"/a huge value for none. */
export function parseLimit(text: string | undefined): number | undefined {
  const n = num(text);
  return n === undefined || n >= UNLIMITED ? undefined : n;
}

export interface CpuV1Files {
  usage?: string;
  usagePercpu?: string;
  usageUser?: string;
  usageSys?: string;
  cpuacctStat?: string;
  cpuStat?: string;
}

/**
 * cgroup v1: cpuacct.usage (ns), cpuacct.usage_percpu, the user/kernel split from
 * cpuacct.usage_user/usage_sys (ns) or else cpuacct.stat (ticks), throttling from cpu.stat.
 */
export function cpuFromV1(f: CpuV1Files): CpuCounters | undefined {
  const totalNs = num(f.usage);
  if (totalNs === undefined) return undefined;
  const ticks = parseKeyedCounters(f.cpuacctStat);
  const userNs = num(f.usageUser) ?? (ticks.user === undefined ? undefined : ticks.user * NS_PER_TICK);
  const kernelNs = num(f.usageSys) ?? (ticks.system === undefined ? undefined : ticks.system * NS_PER_TICK);
  const perCpu = (f.usagePercpu ?? '').trim().split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
  const cpu = parseKeyedCounters(f.cpuStat);
  return withDefined({
    totalNs, userNs, kernelNs, perCpuNs: perCpu.length ? perCpu : undefined,
    throttling: throttlingOf(cpu.nr_periods, cpu.nr_throttled, cpu.throttled_time),
  });
}

/** cgroup v2 cpu.stat: usage_usec, user_usec, system_usec and, with the cpu controller, nr_periods/nr_throttled/throttled_usec. */
export function cpuFromV2(cpuStat: string | undefined): CpuCounters | undefined {
  const c = parseKeyedCounters(cpuStat);
  if (c.usage_usec === undefined) return undefined;
  const us = (n: number | undefined): number | undefined => (n === undefined ? undefined : n * 1000);
  return withDefined({
    totalNs: c.usage_usec * 1000, userNs: us(c.user_usec), kernelNs: us(c.system_usec),
    throttling: throttlingOf(c.nr_periods, c.nr_throttled, us(c.throttled_usec)),
  });
}

/** CFS throttling counters, when the cgroup has the cpu controller (nr_periods present). */
function throttlingOf(periods: number | undefined, throttled: number | undefined, ns: number | undefined): Throttling | undefined {
  return periods === undefined ? undefined : { periods, throttledPeriods: throttled ?? 0, throttledNs: ns ?? 0 };
}

export interface MemoryV1Files {
  usage?: string;
  maxUsage?: string;
  failcnt?: string;
  limit?: string;
  stat?: string;
}

export function memoryFromV1(f: MemoryV1Files): MemoryCounters | undefined {
  const usage = num(f.usage);
  if (usage === undefined) return undefined;
  return withDefined({ usage, maxUsage: num(f.maxUsage), failcnt: num(f.failcnt), limit: parseLimit(f.limit), stats: parseKeyedCounters(f.stat) });
}

export interface MemoryV2Files {
  current?: string;
  peak?: string;
  max?: string;
  stat?: string;
}

export function memoryFromV2(f: MemoryV2Files): MemoryCounters | undefined {
  const usage = num(f.current);
  if (usage === undefined) return undefined;
  return withDefined({ usage, maxUsage: num(f.peak), limit: parseLimit(f.max), stats: parseKeyedCounters(f.stat) });
}

export function pidsFrom(current: string | undefined, max: string | undefined): PidsCounters | undefined {
  const c = num(current);
  if (c === undefined) return undefined;
  return withDefined({ current: c, limit: parseLimit(max) });
}

/** v1 blkio.throttle.* files: "MAJ:MIN Op value" lines and a closing "Total n", which Docker leaves out. */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat ("MAJ:MIN rbytes=… wbytes=… rios=… wios=…"), in Docker's v2 shape: ops "read" and "write". */
export function blkioFromV2(ioStat: string | undefined): BlkioCounters {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of (ioStat ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=')).filter((p) => p.length === 2 && /^\d+$/.test(p[1]!)).map(([k, v]) => [k!, Number(v)]));
    const at = { major: Number(m[1]), minor: Number(m[2]) };
    serviceBytes.push({ ...at, op: 'read', value: kv.rbytes ?? 0 }, { ...at, op: 'write', value: kv.wbytes ?? 0 });
    serviced.push({ ...at, op: 'read', value: kv.rios ?? 0 }, { ...at, op: 'write', value: kv.wios ?? 0 });
  }
  return { serviceBytes, serviced };
}

/**
 * Docker's system_cpu_usage from /proc/stat: the first "cpu" line's user, nice, system, idle,
 * iowait, irq and softirq ticks, summed and converted to nanoseconds (steal and guest left out,
 * as Docker does).
 */
export function systemCpuNs(procStat: string | undefined): number | undefined {
  const line = (procStat ?? '').split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
  if (fields.length < 7 || fields.some((n) => !Number.isFinite(n))) return undefined;
  return fields.reduce((a, b) => a + b, 0) * NS_PER_TICK;
}

/** /sys/devices/system/cpu/online ("0-1", "0,2-5"): how many CPUs are online. */
export function onlineCpus(text: string | undefined): number | undefined {
  let count = 0;
  for (const part of (text ?? '').trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    count += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return count > 0 ? count : undefined;
}

/** /proc/<pid>/net/dev: the counters of every interface in that process's network namespace. */
export function parseNetDev(text: string | undefined): Record<string, NetCounters> {
  const out: Record<string, NetCounters> = {};
  for (const line of (text ?? '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out[name] = {
      rxBytes: f[0]!, rxPackets: f[1]!, rxErrors: f[2]!, rxDropped: f[3]!,
      txBytes: f[8]!, txPackets: f[9]!, txErrors: f[10]!, txDropped: f[11]!,
    };
  }
  return out;
}

/**
 * One line of `runsc events --stats <id>`: the sentry's own accounting for that container. Only
 * the CPU total and the pid count are the container's; the memory figure is the whole sandbox's.
 */
export function parseRunscEvent(text: string): { cpuNs?: number; pids?: number } | undefined {
  let event: { type?: string; data?: { cpu?: { usage?: { total?: unknown } }; pids?: { current?: unknown } } };
  try {
    event = JSON.parse(text.trim().split('\n')[0] ?? '') as typeof event;
  } catch {
    return undefined;
  }
  if (event.type !== 'stats' || !event.data) return undefined;
  const cpuNs = event.data.cpu?.usage?.total;
  const pids = event.data.pids?.current;
  return {
    ...(typeof cpuNs === 'number' ? { cpuNs } : {}),
    ...(typeof pids === 'number' ? { pids } : {}),
  };
}

/** Where the cgroup hierarchies are mounted: v1 mount points by controller, and the cgroup2 mount. */
export interface CgroupMounts {
  v1: Record<string, string>;
  v2?: string;
}

/** The cgroup mounts listed in /proc/self/mountinfo ("… <mount point> … - cgroup cgroup rw,memory"). */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const out: CgroupMounts = { v1: {} };
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    const mountPoint = pre?.split(' ')[4];
    const [fsType, , options] = (post ?? '').split(' ');
    if (!mountPoint) continue;
    if (fsType === 'cgroup2') out.v2 ??= mountPoint;
    if (fsType !== 'cgroup') continue;
    for (const opt of (options ?? '').split(',')) {
      if (/^[a-z_]+$/.test(opt) && opt !== 'rw' && opt !== 'ro') out.v1[opt] ??= mountPoint;
    }
  }
  return out;
}

function withDefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
