/**
 * Container health checks as ECS runs them: every `interval` s run the command with `timeout` s;
 * `retries` consecutive failures make the container UNHEALTHY, one pass makes it HEALTHY.
 * During `startPeriod` failures do not count, but a pass still counts. Pure: the runner feeds
 * probe results in and reads the status out.
 */
export interface HealthCheckSpec {
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface HealthState {
  readonly status: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  readonly consecutiveFailures: number;
  readonly lastOutput?: string;
  readonly lastExitCode?: number;
  readonly statusSinceMs?: number;
}

export const initialHealth: HealthState = { status: 'UNKNOWN', consecutiveFailures: 0 };

interface HealthCheckDefinition { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number }

export function compileHealthCheck(def: HealthCheckDefinition): HealthCheckSpec | undefined {
  const [kind, ...rest] = def.command;
  let command: string[];
  if (kind === 'CMD-SHELL') command = ['/bin/sh', '-c', rest.join(' ')];
  else if (kind === 'CMD') command = rest;
  else if (kind === 'NONE') return undefined;
  else command = def.command; // ECS treats a bare command as CMD
  if (command.length === 0) return undefined;
  return {
    command,
    intervalMs: (def.interval ?? 30) * 1000,
    timeoutMs: (def.timeout ?? 5) * 1000,
    retries: def.retries ?? 3,
    startPeriodMs: (def.startPeriod ?? 0) * 1000,
  };
}

export function recordProbe(
  state: HealthState, spec: HealthCheckSpec, probe: { passed: boolean; exitCode: number; output: string },
  sinceStartMs: number, nowMs: number,
): HealthState {
  const output = probe.output.slice(0, 1024);
  if (probe.passed) {
    return { status: 'HEALTHY', consecutiveFailures: 0, lastOutput: output, lastExitCode: probe.exitCode, statusSinceMs: state.status === 'HEALTHY' ? state.statusSinceMs ?? nowMs : nowMs };
  }
  if (sinceStartMs < spec.startPeriodMs) return { ...state, lastOutput: output, lastExitCode: probe.exitCode };
  const failures = state.consecutiveFailures + 1;
  const unhealthy = failures >= spec.retries;
  const status = unhealthy ? 'UNHEALTHY' : state.status;
  return {
    status, consecutiveFailures: failures, lastOutput: output, lastExitCode: probe.exitCode,
    ...(status !== state.status ? { statusSinceMs: nowMs } : state.statusSinceMs !== undefined ? { statusSinceMs: state.statusSinceMs } : {}),
  };
}
