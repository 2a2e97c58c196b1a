/**
 * Task metrics, agent side: every `intervalMs` (15 s by default; ECS samples each minute) the agent
 * reads each running task's counters from the host — the task cgroup's CPU time and memory (for
 * runsc that is the sandbox, gVisor's own kernel included, which is what the task's limits
 * apply to; for runc the cgroup above its containers) and its ENI's byte counters — with the same
 * readers as the metadata endpoint's stats (endpoint/host-counters.ts, endpoint/container-stats.ts's
 * placement), and reports what each task used since the previous reading over the agent protocol
 * (POST /agent/v1/hosts/{id}/metrics). A reading that fails to reach the control plane is dropped:
 * the next one covers its interval (deltas are taken against the last reading, not the last
 * report). Nothing is written on the host.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { coerceError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { ReportMetricsRequest, ReportMetricsResponse, TaskMetricSample } from '../../protocol/agent.js';
import type { StatsPlacement } from '../endpoint/container-stats.js';
import { HostCounters } from '../endpoint/host-counters.js';
import type { MemoryCounters } from '../endpoint/stats-parse.js';
import type { TaskView } from '../endpoint/task-metadata.js';

export const DEFAULT_INTERVAL_MS = 15_000;

/** A task's cumulative counters at one moment. */
export interface TaskReading {
  readonly at: number;
  readonly cpuNs?: number;
  readonly memoryBytes?: number;
  readonly rxBytes?: number;
  readonly txBytes?: number;
}

/** Memory in use as Docker and ECS count it: usage less the inactive file cache. */
export function memoryInUse(m: MemoryCounters | undefined): number | undefined {
  if (m?.usage === undefined) return undefined;
  const inactive = m.stats.total_inactive_file ?? m.stats.inactive_file ?? 0;
  return Math.max(0, m.usage - inactive);
}

/** What a task used between two readings (pure); counters that went backwards (a restart) give no delta. */
export function sampleOf(taskArn: string, prev: TaskReading | undefined, cur: TaskReading): TaskMetricSample {
  const delta = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && b >= a ? b - a : undefined);
  const s: TaskMetricSample = { taskArn, at: cur.at };
  if (cur.memoryBytes !== undefined) s.memoryBytes = cur.memoryBytes;
  if (prev && cur.at > prev.at) {
    s.intervalMs = cur.at - prev.at;
    const cpu = delta(prev.cpuNs, cur.cpuNs);
    const rx = delta(prev.rxBytes, cur.rxBytes);
    const tx = delta(prev.txBytes, cur.txBytes);
    if (cpu !== undefined) s.cpuNsDelta = cpu;
    if (rx !== undefined) s.networkRxBytesDelta = rx;
    if (tx !== undefined) s.networkTxBytesDelta = tx;
  }
  return s;
}

export interface ReporterOptions {
  readonly placement: StatsPlacement;
  readonly clock: Clock;
  readonly log: Logger;
  /** The tasks this agent runs now. */
  tasks(): TaskView[];
  send(req: ReportMetricsRequest): Promise<ReportMetricsResponse>;
  readonly intervalMs?: number;
  readonly counters?: HostCounters;
}

export class TaskMetricsReporter {
  private readonly last = new Map<string, TaskReading>();
  private readonly counters: HostCounters;

  constructor(private readonly o: ReporterOptions) {
    this.counters = o.counters ?? new HostCounters();
  }

  /** Reads every running task once; returns the samples (and remembers the readings). */
  sample(): TaskMetricSample[] {
    const samples: TaskMetricSample[] = [];
    const seen = new Set<string>();
    for (const view of this.o.tasks()) {
      const { state } = view;
      if (!state.containers.some((c) => c.phase === 'running')) continue;
      const reading = this.read(state.taskId);
      if (!reading) continue;
      seen.add(state.taskArn);
      const s = sampleOf(state.taskArn, this.last.get(state.taskArn), reading);
      if (state.pullStartedAt !== undefined && state.pullStoppedAt !== undefined) {
        s.pullStartedAt = state.pullStartedAt;
        s.pullStoppedAt = state.pullStoppedAt;
      }
      this.last.set(state.taskArn, reading);
      samples.push(s);
    }
    for (const arn of this.last.keys()) if (!seen.has(arn)) this.last.delete(arn);
    return samples;
  }

  private read(taskId: string): TaskReading | undefined {
    const cgroup = this.o.placement.taskCgroup(taskId);
    if (!cgroup) return undefined;
    const c = this.counters.cgroup(cgroup);
    if (!c.cpu && !c.memory) return undefined;
    const at = this.o.clock.now();
    const nets = this.counters.networks(this.o.placement.netnsPath(taskId), this.counters.pids(cgroup));
    const sum = (pick: (n: { rxBytes: number; txBytes: number }) => number): number | undefined =>
      nets ? Object.values(nets).reduce((n, x) => n + pick(x), 0) : undefined;
    const memoryBytes = memoryInUse(c.memory);
    const rxBytes = sum((n) => n.rxBytes);
    const txBytes = sum((n) => n.txBytes);
    return {
      at,
      ...(c.cpu ? { cpuNs: c.cpu.totalNs } : {}),
      ...(memoryBytes !== undefined ? { memoryBytes } : {}),
      ...(rxBytes !== undefined ? { rxBytes } : {}),
      ...(txBytes !== undefined ? { txBytes } : {}),
    };
  }

  /** Samples and reports every interval until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const interval = this.o.intervalMs ?? DEFAULT_INTERVAL_MS;
    while (!signal.aborted) {
      await sleep(interval, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      try {
        const samples = this.sample();
        if (samples.length > 0) await this.o.send({ samples });
      } catch (err) {
        this.o.log.warn('reporting task metrics failed', { error: coerceError(err).message });
      }
    }
  }
}
