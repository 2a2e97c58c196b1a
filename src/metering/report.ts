/**
 * A cost report: one line per charged task inside the window, and totals per group (service,
 * task definition family, cluster or task) and overall. Every figure is computed from the same
 * integers, so group totals and the grand total are exactly the sums of the lines they cover.
 */
import { costMicroUsd, formatUsd } from './cost.js';
import type { PriceTable } from './prices.js';
import { chargedInterval, chargedStorageGiB, ratesFor, usageIn, type MeteredTask, type Usage, type Window } from './usage.js';

export const GROUP_BY = ['service', 'family', 'cluster', 'task'] as const;
export type GroupBy = typeof GROUP_BY[number];

/** Figures shared by lines, groups and the total. */
export interface Figures {
  readonly billedSeconds: number;
  readonly vcpuSeconds: number;
  readonly gbSeconds: number;
  /** GB-seconds of ephemeral storage above the free allowance. */
  readonly ephemeralStorageGbSeconds: number;
  readonly costMicroUsd: number;
  /** The cost in dollars, six decimals. */
  readonly cost: string;
}

export interface TaskLine extends Figures {
  readonly taskArn: string;
  readonly cluster: string;
  readonly family: string;
  readonly service: string | null;
  readonly capacityProvider: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly ephemeralStorageGiB: number;
  readonly chargedStorageGiB: number;
  /** ISO times: the pull start, and the stop (null while running). */
  readonly pullStartedAt: string;
  readonly stoppedAt: string | null;
}

export interface GroupLine extends Figures {
  readonly key: string;
  readonly tasks: number;
}

export interface CostReport {
  readonly currency: 'USD';
  readonly by: GroupBy;
  readonly since: string | null;
  readonly until: string | null;
  /** When the report was made; running tasks are charged up to here. */
  readonly at: string;
  readonly tasks: readonly TaskLine[];
  readonly groups: readonly GroupLine[];
  readonly total: Figures & { readonly tasks: number };
}

/** Tasks outside any service are grouped under this key when grouping by service. */
export const NO_SERVICE = '(no service)';

interface Sum { usage: Usage; micro: bigint; tasks: number }

const zero = (): Sum => ({ usage: { billedMs: 0, cpuUnitMs: 0, memoryMiBMs: 0, storageGiBMs: 0 }, micro: 0n, tasks: 0 });

function add(s: Sum, u: Usage, micro: bigint): void {
  s.usage = {
    billedMs: s.usage.billedMs + u.billedMs,
    cpuUnitMs: s.usage.cpuUnitMs + u.cpuUnitMs,
    memoryMiBMs: s.usage.memoryMiBMs + u.memoryMiBMs,
    storageGiBMs: s.usage.storageGiBMs + u.storageGiBMs,
  };
  s.micro += micro;
  s.tasks += 1;
}

function figures(u: Usage, micro: bigint): Figures {
  return {
    billedSeconds: u.billedMs / 1000,
    vcpuSeconds: u.cpuUnitMs / 1024 / 1000,
    gbSeconds: u.memoryMiBMs / 1024 / 1000,
    ephemeralStorageGbSeconds: u.storageGiBMs / 1000,
    costMicroUsd: Number(micro),
    cost: formatUsd(micro),
  };
}

export function groupKey(t: MeteredTask, by: GroupBy): string {
  switch (by) {
    case 'service': return t.service === undefined ? NO_SERVICE : `${t.cluster}/${t.service}`;
    case 'family': return t.family;
    case 'cluster': return t.cluster;
    case 'task': return t.taskArn;
  }
}

export interface ReportRequest extends Window {
  readonly by: GroupBy;
  readonly nowMs: number;
}

/** One charged task inside the window, with its exact usage and rounded cost. */
export interface ChargedTask { readonly task: MeteredTask; readonly usage: Usage; readonly micro: bigint }

/** The tasks charged inside the window, in the order given. */
export function chargeTasks(tasks: readonly MeteredTask[], w: Window, nowMs: number, prices: PriceTable): ChargedTask[] {
  const out: ChargedTask[] = [];
  for (const task of tasks) {
    const interval = chargedInterval(task, nowMs, prices);
    if (!interval) continue;
    const usage = usageIn(task, interval, w, prices);
    if (usage.billedMs === 0) continue;
    out.push({ task, usage, micro: costMicroUsd(usage, ratesFor(task, prices)) });
  }
  return out;
}

export function buildCostReport(tasks: readonly MeteredTask[], prices: PriceTable, req: ReportRequest): CostReport {
  const charged = chargeTasks(tasks, req, req.nowMs, prices);
  const groups = new Map<string, Sum>();
  const total = zero();
  const lines: TaskLine[] = [];
  for (const { task: t, usage, micro } of charged) {
    const key = groupKey(t, req.by);
    const g = groups.get(key) ?? zero();
    groups.set(key, g);
    add(g, usage, micro);
    add(total, usage, micro);
    lines.push({
      taskArn: t.taskArn, cluster: t.cluster, family: t.family, service: t.service ?? null,
      capacityProvider: t.capacityProvider, cpu: t.cpu, memoryMiB: t.memoryMiB,
      ephemeralStorageGiB: t.ephemeralStorageGiB, chargedStorageGiB: chargedStorageGiB(t, prices),
      pullStartedAt: new Date(t.pullStartedAtMs!).toISOString(),
      stoppedAt: t.stoppedAtMs === undefined ? null : new Date(t.stoppedAtMs).toISOString(),
      ...figures(usage, micro),
    });
  }
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    currency: 'USD',
    by: req.by,
    since: iso(req.sinceMs),
    until: iso(req.untilMs),
    at: new Date(req.nowMs).toISOString(),
    tasks: lines,
    groups: [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, s]) => ({ key, tasks: s.tasks, ...figures(s.usage, s.micro) })),
    total: { tasks: total.tasks, ...figures(total.usage, total.micro) },
  };
}
