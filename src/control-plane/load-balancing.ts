/**
 * The control-plane side of the load-balancing agent protocol (src/protocol/load-balancing.ts):
 * every host's data plane long-polls the whole ELBv2 configuration (each host runs every load
 * balancer's listeners) and reports the health of the targets it checks.
 *
 * Any ELBv2 write signals one shared key after it commits, waking every waiting poll; a poll
 * answers once the configuration's fingerprint differs from the cursor the host holds.
 */
import { createHash } from 'node:crypto';
import { conditionPatterns, toProtocolAction } from '../elbv2/rule-parts.js';
import { drainEndsAt } from '../elbv2/health.js';
import { deregistrationDelaySeconds } from '../elbv2/validate.js';
import type {
  HealthCheckConfig, LoadBalancingAssignment, ReportTargetHealthRequest, TargetHealthReport, TargetHealthState,
} from '../protocol/load-balancing.js';
import type { HostRecord, Repos } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { AgentProtocolError } from './hosts.js';
import { forwardedGroups } from '../elbv2/rule-parts.js';

/** The HostSignals key load-balancing polls wait on (host ids are `h-…`, so it meets none of theirs). */
const LOAD_BALANCING_SIGNAL = 'load-balancing';
/** Where listeners bind unless the server is told otherwise (`pier up --lb-bind-address`). */
export const DEFAULT_LB_BIND_ADDRESS = '127.0.0.1';

/** Wakes every host waiting for load-balancing configuration; call after an ELBv2 write commits. */
export function signalLoadBalancing(cp: ControlPlane): void {
  cp.hostSignals.signal(LOAD_BALANCING_SIGNAL);
}

/** The whole configuration as hosts see it: load balancers with listeners and rules, and the target groups they forward to. */
export async function buildAssignment(repos: Repos, bindAddress: string, now: number): Promise<Omit<LoadBalancingAssignment, 'cursor'>> {
  const listeners = await repos.elbv2.listListeners();
  const rules = await repos.elbv2.listRules();
  const used = new Set<string>();
  for (const l of listeners) for (const tg of forwardedGroups(l.defaultActions)) used.add(tg);
  for (const r of rules) for (const tg of forwardedGroups(r.actions)) used.add(tg);
  const loadBalancers = (await repos.elbv2.listLoadBalancers()).map((lb) => ({
    loadBalancerArn: lb.arn, name: lb.name, bindAddress,
    listeners: listeners.filter((l) => l.loadBalancerArn === lb.arn).map((l) => ({
      listenerArn: l.arn, port: l.port, protocol: 'HTTP' as const, defaultAction: toProtocolAction(l.defaultActions[0]!),
      rules: rules.filter((r) => r.listenerArn === l.arn).map((r) => ({
        ruleArn: r.arn, priority: r.priority, ...conditionPatterns(r.conditions), action: toProtocolAction(r.actions[0]!),
      })),
    })),
  }));
  const targets = await repos.elbv2.listTargets();
  const targetGroups = (await repos.elbv2.listTargetGroups()).filter((tg) => used.has(tg.arn)).map((tg) => {
    const delay = deregistrationDelaySeconds(tg.attributes);
    const hc = tg.healthCheck;
    const healthCheck: HealthCheckConfig = {
      enabled: hc.enabled, protocol: 'HTTP', port: hc.port === 'traffic-port' ? 'traffic-port' : Number(hc.port), path: hc.path,
      intervalSeconds: hc.intervalSeconds, timeoutSeconds: hc.timeoutSeconds, healthyThresholdCount: hc.healthyThresholdCount,
      unhealthyThresholdCount: hc.unhealthyThresholdCount, httpCode: hc.httpCode,
    };
    return {
      targetGroupArn: tg.arn, name: tg.name, protocol: 'HTTP' as const, port: tg.port, healthCheck, deregistrationDelaySeconds: delay,
      targets: targets.filter((t) => t.targetGroupArn === tg.arn && !(now >= (drainEndsAt(t, delay) ?? Infinity))).map((t) => ({
        id: t.id, port: t.port, ...(t.drainingSince !== undefined ? { drainingSinceMs: t.drainingSince } : {}),
      })),
    };
  });
  return { loadBalancers, targetGroups };
}

const cursorOf = (config: Omit<LoadBalancingAssignment, 'cursor'>): string =>
  createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 32);

/** GET /agent/v1/hosts/{id}/load-balancers: answers at once without `since`, else when the configuration differs from it (or at the deadline). */
export async function loadBalancingAssignment(
  cp: ControlPlane, since: string | undefined, waitMs: number, abort?: AbortSignal,
): Promise<LoadBalancingAssignment> {
  const bind = cp.config.loadBalancerBindAddress ?? DEFAULT_LB_BIND_ADDRESS;
  let config = await buildAssignment(cp.store.read, bind, cp.clock.now());
  const deadline = Date.now() + waitMs;
  while (since !== undefined && cursorOf(config) === since && Date.now() < deadline && !abort?.aborted) {
    await cp.hostSignals.wait(LOAD_BALANCING_SIGNAL, deadline - Date.now(), abort);
    config = await buildAssignment(cp.store.read, bind, cp.clock.now());
  }
  return { ...config, cursor: cursorOf(config) };
}

const STATES: readonly TargetHealthState[] = ['initial', 'healthy', 'unhealthy', 'unused', 'draining', 'unavailable'];
const bad = (message: string) => new AgentProtocolError(400, 'BadRequest', message);

export function parseReportTargetHealth(body: Record<string, unknown>): ReportTargetHealthRequest {
  if (!Array.isArray(body['targets'])) throw bad('targets must be a list.');
  const targets = body['targets'].map((raw: unknown, i: number): TargetHealthReport => {
    const t = (raw ?? {}) as Record<string, unknown>;
    if (typeof t['targetGroupArn'] !== 'string' || typeof t['id'] !== 'string') throw bad(`targets.${i} needs targetGroupArn and id.`);
    if (typeof t['port'] !== 'number' || !Number.isInteger(t['port'])) throw bad(`targets.${i}.port must be an integer.`);
    if (!STATES.includes(t['state'] as TargetHealthState)) throw bad(`targets.${i}.state must be one of ${STATES.join(', ')}.`);
    for (const f of ['reason', 'description']) if (t[f] !== undefined && typeof t[f] !== 'string') throw bad(`targets.${i}.${f} must be a string.`);
    return {
      targetGroupArn: t['targetGroupArn'], id: t['id'], port: t['port'], state: t['state'] as TargetHealthState,
      ...(typeof t['reason'] === 'string' ? { reason: t['reason'] } : {}),
      ...(typeof t['description'] === 'string' ? { description: t['description'].slice(0, 1024) } : {}),
    };
  });
  return { targets };
}

/** POST /agent/v1/hosts/{id}/target-health: the host's report replaces its previous one. */
export async function reportTargetHealth(cp: ControlPlane, host: HostRecord, report: ReportTargetHealthRequest): Promise<Record<string, never>> {
  await cp.store.transaction((tx) => tx.elbv2.putHealthReport({ hostId: host.id, reportedAt: cp.clock.now(), targets: report.targets }));
  return {};
}
