/**
 * The autoscaling controller's settings: how often it evaluates, and how many one-minute periods
 * target tracking's high and low conditions need (AWS: 3 and 15). Set through the environment of
 * `pier up` (PIER_AUTOSCALING_INTERVAL_SECONDS, PIER_AUTOSCALING_HIGH_PERIODS,
 * PIER_AUTOSCALING_LOW_PERIODS), mainly so tests need not wait a quarter of an hour.
 */
export interface AutoScalingConfig {
  readonly intervalMs: number;
  readonly highPeriods: number;
  readonly lowPeriods: number;
}

export const DEFAULT_AUTOSCALING: AutoScalingConfig = { intervalMs: 15_000, highPeriods: 3, lowPeriods: 15 };

export function compileAutoScalingConfig(env: NodeJS.ProcessEnv): AutoScalingConfig {
  const num = (name: string, fallback: number, min: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const v = Number(text);
    if (!Number.isFinite(v) || v < min) throw new Error(`${name} must be a number of at least ${min}, got ${text}`);
    return v;
  };
  return {
    intervalMs: num('PIER_AUTOSCALING_INTERVAL_SECONDS', DEFAULT_AUTOSCALING.intervalMs / 1000, 0.1) * 1000,
    highPeriods: Math.floor(num('PIER_AUTOSCALING_HIGH_PERIODS', DEFAULT_AUTOSCALING.highPeriods, 1)),
    lowPeriods: Math.floor(num('PIER_AUTOSCALING_LOW_PERIODS', DEFAULT_AUTOSCALING.lowPeriods, 1)),
  };
}
