/** What every CloudWatch metrics handler is given: the metric store, time, the log. */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { MetricStore } from './metric-store.js';

export interface MetricsContext {
  readonly store: MetricStore;
  readonly clock: Clock;
  readonly log: Logger;
}

export const DAY_MS = 86_400_000;
