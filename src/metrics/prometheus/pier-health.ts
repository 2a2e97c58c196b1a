/**
 * What `GET /metrics` shows: Pier's own health and the tasks' figures, in the Prometheus text
 * format (registry.ts).
 *
 * Kept as requests happen (the edge records each one, server.ts):
 *   pier_api_requests_total / pier_api_request_duration_seconds {service, operation, code}
 *       AWS API calls by signing name, operation and status class (2xx, 4xx, 5xx)
 *   pier_agent_requests_total / pier_agent_request_duration_seconds {route, code}
 *       agent-protocol calls (the `tasks` route is a long poll: its durations are waits)
 *   pier_image_pull_duration_seconds  image pulls of tasks, as the agents report them
 * Computed at scrape time:
 *   pier_tasks {cluster, last_status}   tasks that are not STOPPED
 *   pier_task_convergence_lag_seconds {direction}
 *       how long the oldest task has waited for the state it is asked for: `start` (desired
 *       RUNNING, not yet RUNNING, since created), `stop` (desired STOPPED, not yet STOPPED, since
 *       the stop); 0 when nothing waits. This is the reconcilers' and agents' lag as users feel it.
 *   pier_event_loop_delay_seconds {quantile}  delay of the server's event loop (every timer-driven
 *       loop — housekeeping, sweeps, long polls — runs that much late)
 *   pier_ecs_cpu_utilization_percent / pier_ecs_memory_utilization_percent {cluster[, service]}
 *       the AWS/ECS figures from each running task's latest reading (mean over tasks)
 *   pier_task_cpu_utilization_percent, pier_task_memory_utilization_percent,
 *   pier_task_cpu_utilized_units, pier_task_memory_utilized_mib {cluster, family, task_id[, service]}
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../../lib/clock.js';
import type { TaskRecord } from '../../store/store.js';
import type { LatestFigures } from '../ecs/ecs-task-metrics.js';
import { Counter, Gauge, Histogram, Registry, type Labels, type Sample } from './registry.js';

export interface HealthSources {
  readonly clock: Clock;
  activeTasks(): Promise<TaskRecord[]>;
  latestFigures(nowMs: number): LatestFigures[];
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PULL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

export class PierHealth {
  readonly registry = new Registry();
  private readonly apiRequests: Counter;
  private readonly apiSeconds: Histogram;
  private readonly agentRequests: Counter;
  private readonly agentSeconds: Histogram;
  private readonly pullSeconds: Histogram;
  private readonly loop: IntervalHistogram;

  constructor(src: HealthSources) {
    const r = this.registry;
    this.apiRequests = r.register(new Counter('pier_api_requests_total', 'AWS API requests by service, operation and status class.'));
    this.apiSeconds = r.register(new Histogram('pier_api_request_duration_seconds', 'AWS API request latency, from the request body read to the end of the answer.', LATENCY_BUCKETS));
    this.agentRequests = r.register(new Counter('pier_agent_requests_total', 'Agent-protocol requests by route and status class.'));
    this.agentSeconds = r.register(new Histogram('pier_agent_request_duration_seconds', 'Agent-protocol request latency (the tasks route long-polls).', LATENCY_BUCKETS));
    this.pullSeconds = r.register(new Histogram('pier_image_pull_duration_seconds', 'How long tasks\' image pulls took, as their agents report them.', PULL_BUCKETS));
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    r.register(new Gauge('pier_event_loop_delay_seconds', 'Delay of the server\'s event loop since start (timers and reconciler loops run this late).', () =>
      [0.5, 0.9, 0.99, 1].map((q) => ({ labels: { quantile: String(q) }, value: this.loop.percentile(q * 100) / 1e9 }))));
    let snapshot: Promise<TaskRecord[]> | undefined;
    // One store read per scrape serves both task gauges.
    const tasks = (): Promise<TaskRecord[]> => (snapshot ??= src.activeTasks().finally(() => setImmediate(() => (snapshot = undefined))));
    r.register(new Gauge('pier_tasks', 'Tasks that are not STOPPED, by cluster and lastStatus.', async () => taskCounts(await tasks())));
    r.register(new Gauge('pier_task_convergence_lag_seconds', 'Age of the oldest task not yet in the state it is asked for (start: desired RUNNING; stop: desired STOPPED).',
      async () => convergenceLag(await tasks(), src.clock.now())));
    const latest = (): LatestFigures[] => src.latestFigures(src.clock.now());
    r.register(new Gauge('pier_ecs_cpu_utilization_percent', 'AWS/ECS CPUUtilization from running tasks\' latest readings (mean over tasks), by cluster and by cluster and service.',
      () => utilization(latest(), (f) => f.cpuPercent)));
    r.register(new Gauge('pier_ecs_memory_utilization_percent', 'AWS/ECS MemoryUtilization from running tasks\' latest readings (mean over tasks), by cluster and by cluster and service.',
      () => utilization(latest(), (f) => f.memoryPercent)));
    const perTask = (name: string, help: string, pick: (l: LatestFigures) => number | undefined): void => {
      r.register(new Gauge(name, help, () => latest().flatMap((l) => {
        const v = pick(l);
        return v === undefined ? [] : [{ labels: taskLabels(l), value: v }];
      })));
    };
    perTask('pier_task_cpu_utilization_percent', 'A running task\'s CPU use as a percentage of its cpu units (latest reading).', (l) => l.figures.cpuPercent);
    perTask('pier_task_memory_utilization_percent', 'A running task\'s memory use as a percentage of its memory (latest reading).', (l) => l.figures.memoryPercent);
    perTask('pier_task_cpu_utilized_units', 'A running task\'s CPU use in CPU units, 1024 per vCPU (latest reading).', (l) => l.figures.cpuUnits);
    perTask('pier_task_memory_utilized_mib', 'A running task\'s memory use in MiB (latest reading).', (l) => l.figures.memoryMiB);
  }

  recordApi(service: string, operation: string, status: number, seconds: number): void {
    const labels = { service, operation, code: statusClass(status) };
    this.apiRequests.inc(labels);
    this.apiSeconds.observe(labels, seconds);
  }

  recordAgent(route: string, status: number, seconds: number): void {
    const labels = { route, code: statusClass(status) };
    this.agentRequests.inc(labels);
    this.agentSeconds.observe(labels, seconds);
  }

  recordPull(seconds: number): void {
    this.pullSeconds.observe({}, seconds);
  }

  render(): Promise<string> {
    return this.registry.render();
  }

  close(): void {
    this.loop.disable();
  }
}

function taskLabels(l: LatestFigures): Labels {
  const f = l.facts;
  return { cluster: f.clusterName, family: f.family, task_id: f.taskId, ...(f.serviceName !== undefined ? { service: f.serviceName } : {}) };
}

export function taskCounts(tasks: readonly TaskRecord[]): Sample[] {
  const counts = new Map<string, { labels: Labels; value: number }>();
  for (const t of tasks) {
    const labels = { cluster: t.clusterName, last_status: t.task.lastStatus };
    const key = `${labels.cluster}\u0000${labels.last_status}`;
    const c = counts.get(key);
    if (c) c.value += 1;
    else counts.set(key, { labels, value: 1 });
  }
  return [...counts.values()];
}

export function convergenceLag(tasks: readonly TaskRecord[], nowMs: number): Sample[] {
  let start = 0;
  let stop = 0;
  for (const { task } of tasks) {
    if (task.desiredStatus === 'RUNNING' && task.lastStatus !== 'RUNNING') start = Math.max(start, nowMs / 1000 - task.createdAt);
    if (task.desiredStatus === 'STOPPED' && task.lastStatus !== 'STOPPED') stop = Math.max(stop, nowMs / 1000 - (task.stoppingAt ?? task.createdAt));
  }
  return [{ labels: { direction: 'start' }, value: start }, { labels: { direction: 'stop' }, value: stop }];
}

/** Mean of each task's figure, by cluster and by cluster and service. */
export function utilization(latest: readonly LatestFigures[], pick: (f: LatestFigures['figures']) => number | undefined): Sample[] {
  const groups = new Map<string, { labels: Labels; sum: number; n: number }>();
  for (const l of latest) {
    const v = pick(l.figures);
    if (v === undefined) continue;
    const sets: Labels[] = [{ cluster: l.facts.clusterName }];
    if (l.facts.serviceName !== undefined) sets.push({ cluster: l.facts.clusterName, service: l.facts.serviceName });
    for (const labels of sets) {
      const key = JSON.stringify(labels);
      const g = groups.get(key) ?? groups.set(key, { labels, sum: 0, n: 0 }).get(key)!;
      g.sum += v;
      g.n += 1;
    }
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: g.sum / g.n }));
}
