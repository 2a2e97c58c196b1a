/** What every CloudWatch Logs handler is given: the log store, time, the account, limits. */
import type { AccountScope } from '../ecs/arn.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { DAY_MS } from './batch-rules.js';
import type { LogStore } from './log-store.js';

export interface LogsLimits {
  /** Log groups per account and region (AWS's quota: 1,000,000); CreateLogGroup answers LimitExceededException past it. */
  readonly maxLogGroups: number;
}

export const DEFAULT_LOGS_LIMITS: LogsLimits = { maxLogGroups: 1_000_000 };

export interface LogsContext {
  readonly store: LogStore;
  readonly clock: Clock;
  readonly scope: AccountScope;
  readonly log: Logger;
  readonly limits: LogsLimits;
  /** Called after a retention policy is put, so the sweep can delete what it now expires. */
  readonly retentionChanged?: () => void;
}

/** The oldest timestamp a group's retention still keeps (reads hide anything older, even before the sweep deletes it). */
export function retentionCutoff(retentionDays: number | undefined, now: number): number {
  return retentionDays === undefined ? Number.MIN_SAFE_INTEGER : now - retentionDays * DAY_MS;
}
