/**
 * Wiring for `pier up`: opens the embedded metric store in `<data dir>/metrics/`, builds the
 * context the CloudWatch API and the task metrics share, and runs the periodic work with the
 * server's housekeeping: the retention sweep (every 10 minutes, in bounded batches) and
 * RunningTaskCount (every minute).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ControlPlane } from '../control-plane/context.js';
import { coerceError } from '../lib/errors.js';
import { every } from '../lib/every.js';
import type { MetricsContext } from './context.js';
import { activeTasks, EcsTaskMetrics } from './ecs/ecs-task-metrics.js';
import type { MetricStore } from './metric-store.js';
import { PierHealth } from './prometheus/pier-health.js';
import { SqliteMetricStore } from './sqlite/sqlite-metric-store.js';

export const SWEEP_INTERVAL_MS = 10 * 60_000;
export const SWEEP_BATCH = 5_000;
export const RUNNING_COUNT_INTERVAL_MS = 60_000;

export interface OpenedMetrics {
  readonly ctx: MetricsContext;
  readonly tasks: EcsTaskMetrics;
  readonly health: PierHealth;
  /** Runs the sweep and RunningTaskCount until `signal` aborts; settles once both stopped. */
  start(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** One full sweep: batch after batch until a batch finds less than a full load. */
export async function sweepMetrics(store: MetricStore, nowMs: number, batch = SWEEP_BATCH): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = await store.sweep(nowMs, batch);
    deleted += n;
    if (n < batch) return deleted;
    await yieldToLoop();
  }
}

export function openMetrics(cp: ControlPlane, o: { dir: string }): OpenedMetrics {
  const log = cp.log.child({ component: 'metrics' });
  const store = SqliteMetricStore.open({ dir: o.dir });
  const ctx: MetricsContext = { store, clock: cp.clock, log };
  let health: PierHealth | undefined;
  const tasks = new EcsTaskMetrics(cp, ctx, (seconds) => health?.recordPull(seconds));
  health = new PierHealth({ clock: cp.clock, activeTasks: () => activeTasks(cp.store), latestFigures: (now) => tasks.current(now) });
  return {
    ctx, tasks, health,
    start: async (signal) => {
      const sweep = every(SWEEP_INTERVAL_MS, signal, async () => {
        try {
          const n = await sweepMetrics(store, cp.clock.now());
          if (n > 0) log.info('metric retention sweep', { deleted: n });
        } catch (err) {
          log.error('metric retention sweep failed', { error: coerceError(err).message });
        }
      });
      const counts = every(RUNNING_COUNT_INTERVAL_MS, signal, () => tasks.publishRunningTaskCount()
        .catch((err: unknown) => log.error('publishing RunningTaskCount failed', { error: coerceError(err).message })));
      await Promise.all([sweep, counts]);
    },
    close: async () => {
      health?.close();
      await store.close();
    },
  };
}
