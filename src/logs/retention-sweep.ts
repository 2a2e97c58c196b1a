/**
 * Enforces retention: a periodic pass deletes events older than their group's retention period and
 * the events of deleted groups and streams, in bounded batches so appends and reads keep flowing.
 * (Reads already hide events past retention; the sweep reclaims their space and stored bytes.)
 * PutRetentionPolicy wakes it at once.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { coerceError } from '../lib/errors.js';
import type { LogsContext } from './context.js';
import type { SweepResult } from './log-store.js';

export const SWEEP_BATCH = 5_000;

/** One full pass: sweeps batch after batch until a batch finds less than a full load. */
export async function sweepLogs(ctx: Pick<LogsContext, 'store' | 'clock'>, batch = SWEEP_BATCH): Promise<SweepResult> {
  let expired = 0;
  let purged = 0;
  for (;;) {
    const r = await ctx.store.sweep(ctx.clock.now(), batch);
    expired += r.expired;
    purged += r.purged;
    if (r.expired + r.purged < batch) return { expired, purged };
    await yieldToLoop();
  }
}

export interface RetentionSweeper {
  /** Run a pass soon (a retention policy changed). */
  wake(): void;
  /** Settles once `signal` aborted and the current pass ended. */
  readonly done: Promise<void>;
}

export function startRetentionSweep(ctx: LogsContext, intervalMs: number, signal: AbortSignal): RetentionSweeper {
  let running: Promise<void> | undefined;
  let again = false;
  const pass = (): void => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = sweepLogs(ctx).then((r) => {
      if (r.expired + r.purged > 0) ctx.log.info('log retention sweep', { ...r });
    }, (err: unknown) => {
      ctx.log.error('log retention sweep failed', { error: coerceError(err).message });
    }).finally(() => {
      running = undefined;
      if (again) {
        again = false;
        pass();
      }
    });
  };
  const timer = setInterval(pass, intervalMs);
  const done = new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => {
      clearInterval(timer);
      void (running ?? Promise.resolve()).then(() => resolve());
    }, { once: true });
  });
  return { wake: pass, done };
}
