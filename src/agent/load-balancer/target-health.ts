/**
 * What HAProxy's `show stat` says about each server, as ELBv2 target health (pure). A target the
 * control plane gave this host is reported every time, whether or not HAProxy has its server yet.
 *
 *   draining target                → draining    Target.DeregistrationInProgress
 *   health checks disabled         → unavailable Target.HealthCheckDisabled
 *   no server yet, or no result    → initial     Elb.RegistrationInProgress / Elb.InitialHealthChecking
 *   UP (also "UP 1/3": going down) → healthy
 *   DOWN (also "DOWN 1/2")         → unhealthy   Target.Timeout (L4/L6/L7 timeouts),
 *                                                Target.ResponseCodeMismatch (L7STS), else Target.FailedHealthChecks
 */
import type { LoadBalancingAssignment, TargetHealthReport } from '../../protocol/load-balancing.js';
import { backendName, serverName, targetLive } from './render-config.js';

/** The `show stat` columns read here. */
export interface ServerStat {
  pxname: string;
  svname: string;
  status: string;
  check_status: string;
  check_code: string;
}

export function targetHealth(a: LoadBalancingAssignment, stats: readonly ServerStat[], nowMs: number): TargetHealthReport[] {
  const byName = new Map(stats.map((s) => [`${s.pxname}/${s.svname}`, s]));
  const out: TargetHealthReport[] = [];
  for (const tg of a.targetGroups) {
    for (const t of tg.targets) {
      if (!targetLive(tg, t, nowMs)) continue;
      const base = { targetGroupArn: tg.targetGroupArn, id: t.id, port: t.port };
      if (t.drainingSinceMs !== undefined) {
        out.push({ ...base, state: 'draining', reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' });
        continue;
      }
      if (!tg.healthCheck.enabled) {
        out.push({ ...base, state: 'unavailable', reason: 'Target.HealthCheckDisabled', description: 'Health checks are disabled' });
        continue;
      }
      out.push({ ...base, ...fromStat(byName.get(`${backendName(tg)}/${serverName(t)}`)) });
    }
  }
  return out;
}

function fromStat(s: ServerStat | undefined): Pick<TargetHealthReport, 'state' | 'reason' | 'description'> {
  if (!s) return { state: 'initial', reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' };
  if (s.check_status === '' || s.check_status.startsWith('INI')) {
    return { state: 'initial', reason: 'Elb.InitialHealthChecking', description: 'Initial health checks in progress' };
  }
  if (s.status.startsWith('UP')) return { state: 'healthy' };
  if (s.status.startsWith('DRAIN') || s.status.startsWith('NOLB')) {
    return { state: 'draining', reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' };
  }
  if (/^L[467]TOUT/.test(s.check_status)) return { state: 'unhealthy', reason: 'Target.Timeout', description: 'Request timed out' };
  if (s.check_status.startsWith('L7STS')) {
    return { state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${s.check_code}]` };
  }
  return { state: 'unhealthy', reason: 'Target.FailedHealthChecks', description: 'Health checks failed' };
}

/** Whether two reports say the same (order aside): the agent sends only changes, and every 15 s. */
export function sameHealth(a: readonly TargetHealthReport[], b: readonly TargetHealthReport[]): boolean {
  const key = (r: TargetHealthReport): string => JSON.stringify([r.targetGroupArn, r.id, r.port, r.state, r.reason ?? '', r.description ?? '']);
  const x = a.map(key).sort();
  const y = b.map(key).sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
}
