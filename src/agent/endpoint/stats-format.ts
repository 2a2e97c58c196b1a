/**
 * Docker's container stats document (pure), as the task metadata endpoint returns it at
 * `${ECS_CONTAINER_METADATA_URI_V4}/stats` and, per container, at `/task/stats`: built from one
 * sample of the container's counters and the sample before it (`precpu_stats`, `preread`).
 *
 * Keys and omissions follow Docker's JSON encoding of its stats type: `system_cpu_usage`,
 * `online_cpus`, `percpu_usage` and zero-valued memory and pid figures are left out, the
 * `precpu_stats` of a first sample are zeros and its `preread` is Go's zero time. v4 adds
 * `network_rate_stats` (bytes per second over the two samples), as ECS does for awsvpc tasks.
 */
import type { BlkioCounters, CpuCounters, MemoryCounters, NetCounters, PidsCounters } from './stats-parse.js';

/** One reading of a container's counters. */
export interface StatsSample {
  /** When it was read, ms since the epoch. */
  readAtMs: number;
  cpu?: CpuCounters;
  /** Host CPU time since boot, ns (Docker's system_cpu_usage). */
  systemCpuNs?: number;
  onlineCpus?: number;
  memory?: MemoryCounters;
  pids?: PidsCounters;
  blkio?: BlkioCounters;
  /** The task's interfaces (its ENI), by name inside the task. */
  networks?: Record<string, NetCounters>;
}

export interface StatsPair {
  current: StatsSample;
  previous?: StatsSample;
}

export interface StatsIdentity {
  /** The container's runtime id (the DockerId of the metadata documents). */
  id: string;
  name: string;
}

/** Go's zero time.Time, which Docker writes as `preread` before a second sample exists. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(s: StatsSample | undefined): Record<string, unknown> {
  const cpu = s?.cpu;
  const t = cpu?.throttling;
  return dropUndefined({
    cpu_usage: dropUndefined({
      total_usage: cpu?.totalNs ?? 0,
      percpu_usage: cpu?.perCpuNs?.length ? cpu.perCpuNs : undefined,
      usage_in_kernelmode: cpu?.kernelNs ?? 0,
      usage_in_usermode: cpu?.userNs ?? 0,
    }),
    system_cpu_usage: s?.systemCpuNs || undefined,
    online_cpus: s?.onlineCpus || undefined,
    throttling_data: { periods: t?.periods ?? 0, throttled_periods: t?.throttledPeriods ?? 0, throttled_time: t?.throttledNs ?? 0 },
  });
}

function memoryStats(m: MemoryCounters | undefined): Record<string, unknown> {
  if (!m) return {};
  return dropUndefined({
    usage: m.usage || undefined,
    max_usage: m.maxUsage || undefined,
    stats: Object.keys(m.stats).length ? m.stats : undefined,
    failcnt: m.failcnt || undefined,
    limit: m.limit || undefined,
  });
}

function blkioStats(b: BlkioCounters | undefined): Record<string, unknown> {
  // Lists the host does not keep are empty lists, never null: clients iterate them.
  return {
    io_service_bytes_recursive: b?.serviceBytes ?? [],
    io_serviced_recursive: b?.serviced ?? [],
    io_queue_recursive: [],
    io_service_time_recursive: [],
    io_wait_time_recursive: [],
    io_merged_recursive: [],
    io_time_recursive: [],
    sectors_recursive: [],
  };
}

function networks(n: Record<string, NetCounters> | undefined): Record<string, unknown> | undefined {
  if (!n || Object.keys(n).length === 0) return undefined;
  return Object.fromEntries(Object.entries(n).map(([name, c]) => [name, {
    rx_bytes: c.rxBytes, rx_packets: c.rxPackets, rx_errors: c.rxErrors, rx_dropped: c.rxDropped,
    tx_bytes: c.txBytes, tx_packets: c.txPackets, tx_errors: c.txErrors, tx_dropped: c.txDropped,
  }]));
}

function totals(n: Record<string, NetCounters>): { rx: number; tx: number } {
  return Object.values(n).reduce((a, c) => ({ rx: a.rx + c.rxBytes, tx: a.tx + c.txBytes }), { rx: 0, tx: 0 });
}

/** Bytes per second received and sent by the task between the two samples; undefined without both. */
export function networkRate(pair: StatsPair): { rx_bytes_per_sec: number; tx_bytes_per_sec: number } | undefined {
  const { current, previous } = pair;
  if (!current.networks || !previous?.networks) return undefined;
  const seconds = (current.readAtMs - previous.readAtMs) / 1000;
  if (seconds <= 0) return undefined;
  const now = totals(current.networks);
  const before = totals(previous.networks);
  const rate = (a: number, b: number): number => Math.max(0, (a - b) / seconds);
  return { rx_bytes_per_sec: rate(now.rx, before.rx), tx_bytes_per_sec: rate(now.tx, before.tx) };
}

/** The stats document of one container; `version` 3 leaves out what only v4 has. */
export function dockerStats(pair: StatsPair, who: StatsIdentity, version: 3 | 4 = 4): Record<string, unknown> {
  const { current, previous } = pair;
  return dropUndefined({
    read: new Date(current.readAtMs).toISOString(),
    preread: previous ? new Date(previous.readAtMs).toISOString() : GO_ZERO_TIME,
    pids_stats: current.pids ? dropUndefined({ current: current.pids.current || undefined, limit: current.pids.limit || undefined }) : {},
    blkio_stats: blkioStats(current.blkio),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current),
    precpu_stats: cpuStats(previous),
    memory_stats: memoryStats(current.memory),
    name: who.name,
    id: who.id,
    networks: networks(current.networks),
    network_rate_stats: version === 4 ? networkRate(pair) : undefined,
  });
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
