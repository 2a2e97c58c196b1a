/**
 * Wiring for `pier up`: opens the embedded log store in `<data dir>/logs/` and builds the context
 * the CloudWatch Logs API and the awslogs driver's append path share; the retention sweep starts
 * with the server's housekeeping and stops with it.
 */
import type { AccountScope } from '../ecs/arn.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { DEFAULT_LOGS_LIMITS, type LogsContext } from './context.js';
import { startRetentionSweep, type RetentionSweeper } from './retention-sweep.js';
import { SqliteLogStore } from './sqlite/sqlite-log-store.js';

export const SWEEP_INTERVAL_MS = 60_000;

export interface OpenedLogs {
  readonly ctx: LogsContext;
  /** Runs the retention sweep until `signal` aborts; the promise settles once it stopped. */
  startSweep(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export function openLogs(o: { dir: string; scope: AccountScope; clock: Clock; log: Logger; sweepIntervalMs?: number }): OpenedLogs {
  const log = o.log.child({ component: 'logs' });
  const store = SqliteLogStore.open({ dir: o.dir, log });
  let sweeper: RetentionSweeper | undefined;
  const ctx: LogsContext = {
    store, clock: o.clock, scope: o.scope, log, limits: DEFAULT_LOGS_LIMITS, retentionChanged: () => sweeper?.wake(),
  };
  return {
    ctx,
    startSweep(signal) {
      sweeper = startRetentionSweep(ctx, o.sweepIntervalMs ?? SWEEP_INTERVAL_MS, signal);
      return sweeper.done;
    },
    close: () => store.close(),
  };
}
