/**
 * Costs of every task Pier has run (`POST /_pier/costs`, `pier costs`, Cost Explorer): reads every
 * task of every cluster once, and the usage ledger, which keeps stopped tasks' facts after
 * `--stopped-task-retention-seconds` purges them, and hands them to the pure metering module.
 */
import { FargateCapacityProvider } from '../ecs/enums.js';
import { InvalidParameterException } from '../ecs/errors.js';
import type { Tag } from '../ecs/wire.js';
import { meteredHistory } from '../metering/history.js';
import type { PriceTable } from '../metering/prices.js';
import { buildCostReport, GROUP_BY, type CostReport, type GroupBy } from '../metering/report.js';
import type { MeteredTask } from '../metering/usage.js';
import type { Repos, TaskRecord, TaskUsageRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';

export interface CostsRequest {
  readonly by: GroupBy;
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

const SHAPE = '{"by": "service"|"family"|"cluster"|"task", "since": ISO 8601 time, "until": ISO 8601 time}';

export function parseCostsRequest(body: Buffer): CostsRequest {
  let v: unknown;
  try {
    v = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw new InvalidParameterException(`The request body must be JSON: ${SHAPE}.`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidParameterException(`Expected ${SHAPE}.`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['by', 'since', 'until'].includes(k)) throw new InvalidParameterException(`Unknown field '${k}'; expected ${SHAPE}.`);
  }
  const by = o.by ?? 'service';
  if (typeof by !== 'string' || !(GROUP_BY as readonly string[]).includes(by)) {
    throw new InvalidParameterException(`by must be one of ${GROUP_BY.join(', ')}; got ${JSON.stringify(by)}.`);
  }
  const sinceMs = time(o.since, 'since');
  const untilMs = time(o.until, 'until');
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) throw new InvalidParameterException('until must be later than since.');
  return { by: by as GroupBy, ...(sinceMs !== undefined ? { sinceMs } : {}), ...(untilMs !== undefined ? { untilMs } : {}) };
}

function time(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidParameterException(`${field} must be an ISO 8601 time such as 2026-12-01T00:00:00Z; got ${JSON.stringify(v)}.`);
  return ms;
}

export function meteredTask(r: TaskRecord, tags?: readonly Tag[]): MeteredTask {
  const t = r.task;
  return {
    ...(tags?.length ? { tags: Object.fromEntries(tags.map((x) => [x.key, x.value])) } : {}),
    taskArn: t.taskArn,
    cluster: r.clusterName,
    family: r.family,
    service: r.serviceName,
    capacityProvider: t.capacityProviderName === FargateCapacityProvider.FARGATE_SPOT ? 'FARGATE_SPOT' : 'FARGATE',
    cpu: r.size.cpu,
    memoryMiB: r.size.memory,
    ephemeralStorageGiB: t.ephemeralStorage?.sizeInGiB ?? r.size.ephemeralStorageGiB,
    pullStartedAtMs: t.pullStartedAt === undefined ? undefined : Math.round(t.pullStartedAt * 1000),
    stoppedAtMs: t.stoppedAt === undefined ? undefined : Math.round(t.stoppedAt * 1000),
  };
}

function meteredUsage(u: TaskUsageRecord): MeteredTask {
  return {
    ...(Object.keys(u.tags).length ? { tags: u.tags } : {}),
    taskArn: u.taskArn, cluster: u.clusterName, family: u.family, service: u.serviceName, capacityProvider: u.capacityProvider,
    cpu: u.cpu, memoryMiB: u.memoryMiB, ephemeralStorageGiB: u.ephemeralStorageGiB,
    pullStartedAtMs: u.pullStartedAtMs, stoppedAtMs: u.stoppedAtMs,
  };
}

/** Every task metered: the ledger's stopped tasks and the tasks the store holds, with tags, in every cluster (active or not). */
export async function allMeteredTasks(repos: Repos): Promise<MeteredTask[]> {
  const ledger = (await repos.taskUsage.list()).map(meteredUsage);
  const out: MeteredTask[] = [];
  let afterName: string | undefined;
  do {
    const clusters = await repos.clusters.list({ limit: 100, ...(afterName ? { afterName } : {}) });
    for (const c of clusters.items) {
      let afterId: string | undefined;
      do {
        const page = await repos.tasks.list({ clusterName: c.name, limit: 1000, ...(afterId ? { afterId } : {}) });
        const tags = await repos.tags.getMany(page.items.map((r) => r.task.taskArn));
        for (const r of page.items) out.push(meteredTask(r, tags.get(r.task.taskArn)));
        afterId = page.nextKey;
      } while (afterId);
    }
    afterName = clusters.nextKey;
  } while (afterName);
  return meteredHistory(out, ledger);
}

export async function costReport(cp: ControlPlane, prices: PriceTable, req: CostsRequest): Promise<CostReport> {
  const tasks = await allMeteredTasks(cp.store.read);
  return buildCostReport(tasks, prices, { ...req, nowMs: cp.clock.now() });
}
