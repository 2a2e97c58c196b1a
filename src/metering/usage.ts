/**
 * What one task is charged for, as Fargate bills it: its configured (not used) vCPU, memory and
 * ephemeral storage above the free allowance, from the moment its image pull started until it
 * stopped (or now, while it runs), the duration rounded up to the whole second and at least the
 * minimum (one minute). A task that never started pulling is not charged at all.
 *
 * The charged interval starts at the pull start and lasts the charged duration; a report window
 * (since/until) takes the part of it inside the window, so a task that straddles two windows
 * splits its charge between them by time.
 */
import type { PriceTable, Rates } from './prices.js';

export type CapacityProvider = 'FARGATE' | 'FARGATE_SPOT';

/** The facts metering needs about a task (taken from the stored task; see control-plane/task-costs.ts). */
export interface MeteredTask {
  readonly taskArn: string;
  readonly cluster: string;
  readonly family: string;
  /** The service that started it, if any. */
  readonly service: string | undefined;
  readonly capacityProvider: CapacityProvider;
  /** CPU units (1024 = one vCPU). */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly ephemeralStorageGiB: number;
  /** Epoch ms; undefined when the task never started pulling its images. */
  readonly pullStartedAtMs: number | undefined;
  /** Epoch ms; undefined while the task has not stopped. */
  readonly stoppedAtMs: number | undefined;
  /** The task's tags (Cost Explorer groups and filters by them). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Window {
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

/** Usage as exact integers: resource × milliseconds. */
export interface Usage {
  /** Charged milliseconds inside the window. */
  readonly billedMs: number;
  /** CPU units × ms (÷ 1024 ÷ 1000 = vCPU-seconds). */
  readonly cpuUnitMs: number;
  /** MiB × ms (÷ 1024 ÷ 1000 = GB-seconds). */
  readonly memoryMiBMs: number;
  /** GiB above the allowance × ms (÷ 1000 = GB-seconds). */
  readonly storageGiBMs: number;
}

export interface ChargedInterval {
  readonly startMs: number;
  readonly endMs: number;
  /** Whole seconds charged for the task's life (the minimum applied). */
  readonly seconds: number;
}

/** The task's charged interval, or undefined when it is not charged (it never pulled). */
export function chargedInterval(t: MeteredTask, nowMs: number, prices: PriceTable): ChargedInterval | undefined {
  if (t.pullStartedAtMs === undefined) return undefined;
  const ranMs = Math.max(0, (t.stoppedAtMs ?? nowMs) - t.pullStartedAtMs);
  const seconds = Math.max(prices.minimumSeconds, Math.ceil(ranMs / 1000));
  return { startMs: t.pullStartedAtMs, endMs: t.pullStartedAtMs + seconds * 1000, seconds };
}

/** The task's usage inside the window (zero outside it). */
export function usageIn(t: MeteredTask, interval: ChargedInterval, w: Window, prices: PriceTable): Usage {
  const from = Math.max(interval.startMs, w.sinceMs ?? -Infinity);
  const to = Math.min(interval.endMs, w.untilMs ?? Infinity);
  const billedMs = Math.max(0, to - from);
  return {
    billedMs,
    cpuUnitMs: t.cpu * billedMs,
    memoryMiBMs: t.memoryMiB * billedMs,
    storageGiBMs: chargedStorageGiB(t, prices) * billedMs,
  };
}

export function chargedStorageGiB(t: MeteredTask, prices: PriceTable): number {
  return Math.max(0, t.ephemeralStorageGiB - prices.freeEphemeralStorageGiB);
}

export function ratesFor(t: MeteredTask, prices: PriceTable): Rates {
  return t.capacityProvider === 'FARGATE_SPOT' ? prices.FARGATE_SPOT : prices.FARGATE;
}
