/**
 * The control plane's side of task metrics: hosts report readings of the tasks they run
 * (POST /agent/v1/hosts/{id}/metrics); each reading of a RUNNING task of that host becomes AWS/ECS
 * and Container Insights points in the metric store (task-metrics.ts) and the task's latest
 * figures, which the Prometheus endpoint shows. Once a minute, RunningTaskCount is published from
 * the task store (a count that drops to nothing is published as 0 once, so graphs fall to zero).
 */
import { taskIdOf } from '../../ecs/arn.js';
import type { ControlPlane } from '../../control-plane/context.js';
import { AgentProtocolError } from '../../control-plane/hosts.js';
import type { ReportMetricsRequest, ReportMetricsResponse, TaskMetricSample } from '../../protocol/agent.js';
import type { HostRecord, Store, TaskRecord } from '../../store/store.js';
import type { MetricsContext } from '../context.js';
import type { PointInput } from '../metric-store.js';
import { aggregateOfValue } from '../aggregate.js';
import { figuresOf, pointsOf, runningTaskCountPoints, type TaskFacts, type TaskFigures } from './task-metrics.js';

export const MAX_SAMPLES_PER_REPORT = 1000;
/** A task's latest figures are shown for this long after its last reading. */
export const FRESH_MS = 60_000;

export interface LatestFigures {
  readonly facts: TaskFacts;
  readonly figures: TaskFigures;
}

export const factsOf = (r: TaskRecord): TaskFacts => ({
  clusterName: r.clusterName, taskId: r.id, family: r.family, serviceName: r.serviceName, cpu: r.size.cpu, memory: r.size.memory,
});

/** Every task that is not STOPPED, read host by host (tasks are placed when created). */
export async function activeTasks(store: Store): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  for (const h of await store.read.hosts.list()) out.push(...(await store.read.tasks.onHost(h.id)));
  return out;
}

export class EcsTaskMetrics {
  private readonly latest = new Map<string, LatestFigures>();
  private readonly pulls = new Set<string>();
  private published = new Set<string>();

  constructor(
    private readonly cp: ControlPlane,
    /** The metric store and clock (the agent routes publish load-balancer traffic with them too). */
    readonly metrics: MetricsContext,
    private readonly onPull: (seconds: number) => void = () => undefined,
  ) {}

  async ingest(host: HostRecord, req: ReportMetricsRequest): Promise<ReportMetricsResponse> {
    const now = this.cp.clock.now();
    const points: PointInput[] = [];
    let accepted = 0;
    for (const s of req.samples) {
      const record = await this.recordOf(s);
      if (!record || record.hostId !== host.id || record.task.lastStatus !== 'RUNNING') continue;
      const facts = factsOf(record);
      const figures = figuresOf(facts, s);
      points.push(...pointsOf(facts, figures));
      this.latest.set(record.task.taskArn, { facts, figures });
      this.notePull(record.task.taskArn, s);
      accepted += 1;
    }
    if (points.length > 0) await this.metrics.store.put(points, now);
    for (const [arn, l] of this.latest) if (now - l.figures.at > 5 * FRESH_MS) this.latest.delete(arn);
    return { accepted };
  }

  /** Tasks' latest figures, read within FRESH_MS. */
  current(nowMs: number): LatestFigures[] {
    return [...this.latest.values()].filter((l) => nowMs - l.figures.at <= FRESH_MS);
  }

  private async recordOf(s: TaskMetricSample): Promise<TaskRecord | undefined> {
    const ref = taskIdOf(s.taskArn);
    return ref?.cluster ? this.cp.store.read.tasks.get(ref.cluster, ref.id) : undefined;
  }

  private notePull(arn: string, s: TaskMetricSample): void {
    if (s.pullStartedAt === undefined || s.pullStoppedAt === undefined || this.pulls.has(arn)) return;
    if (this.pulls.size > 10_000) this.pulls.clear();
    this.pulls.add(arn);
    this.onPull(Math.max(0, s.pullStoppedAt - s.pullStartedAt) / 1000);
  }

  /** Publishes RunningTaskCount for this moment. */
  async publishRunningTaskCount(): Promise<void> {
    const now = this.cp.clock.now();
    const running = (await activeTasks(this.cp.store)).filter((r) => r.task.lastStatus === 'RUNNING').map(factsOf);
    const points = runningTaskCountPoints(running, now);
    const keys = new Set(points.map((p) => JSON.stringify(p.metric.dimensions)));
    for (const gone of this.published) {
      if (keys.has(gone)) continue;
      points.push({
        metric: { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', dimensions: JSON.parse(gone) as PointInput['metric']['dimensions'] },
        timestampMs: now, unit: 'Count', storageResolution: 60, aggregate: aggregateOfValue(0),
      });
    }
    this.published = keys;
    if (points.length > 0) await this.metrics.store.put(points, now);
  }
}

/** Checks a metrics report's shape (agent-routes answers AgentProtocolError 400 otherwise). */
export function parseReportMetrics(b: Record<string, unknown>): ReportMetricsRequest {
  const bad = (m: string): never => {
    throw new AgentProtocolError(400, 'BadRequest', m);
  };
  if (!Array.isArray(b.samples)) bad('samples must be a list.');
  const samples = b.samples as unknown[];
  if (samples.length > MAX_SAMPLES_PER_REPORT) bad(`At most ${MAX_SAMPLES_PER_REPORT} samples per report.`);
  return {
    samples: samples.map((raw, i) => {
      const o = (raw ?? {}) as Record<string, unknown>;
      if (typeof o.taskArn !== 'string') bad(`samples.${i}.taskArn must be a string.`);
      const s: TaskMetricSample = { taskArn: o.taskArn as string, at: 0 };
      for (const k of ['at', 'intervalMs', 'cpuNsDelta', 'memoryBytes', 'networkRxBytesDelta', 'networkTxBytesDelta', 'pullStartedAt', 'pullStoppedAt'] as const) {
        const v = o[k];
        if (v === undefined) continue;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`samples.${i}.${k} must be a non-negative number.`);
        s[k] = v as number;
      }
      if (o.at === undefined) bad(`samples.${i}.at is required.`);
      return s;
    }),
  };
}
