/**
 * One reading's counter deltas in the control plane's terms (pure): HAProxy's frontends, backends
 * and servers mapped back to the load balancers, target groups and targets of the assignment
 * HAProxy ran when they were read (render-config.ts names them).
 *
 *   load balancer  = its listeners' frontends: requests (req_tot), fixed responses (intercepted:
 *                    `http-request return`), responses by class (hrsp_*), new connections (conn_tot)
 *   target group   = its backend: requests (req_tot: answered by a target or, none available, by
 *                    HAProxy), healthy and unhealthy targets as the target-health report has them
 *   target         = its server: requests, responses by class, average response time (rtime)
 */
import type {
  LoadBalancingAssignment, LoadBalancerTrafficSample, ListenerAction, TargetGroupTraffic, TargetTraffic,
} from '../../protocol/load-balancing.js';
import { numberOf, rowKey, type CounterSnapshot, type CounterValues } from './haproxy-counters.js';
import { backendName, frontendName, serverName } from './render-config.js';
import { targetHealth, type ServerStat } from './target-health.js';

const ZERO: CounterValues = { req_tot: 0, intercepted: 0, conn_tot: 0, hrsp_2xx: 0, hrsp_3xx: 0, hrsp_4xx: 0, hrsp_5xx: 0 };

const responses = (d: CounterValues) => ({ http2xx: d.hrsp_2xx, http3xx: d.hrsp_3xx, http4xx: d.hrsp_4xx, http5xx: d.hrsp_5xx });

export function trafficSample(
  a: LoadBalancingAssignment, deltas: ReadonlyMap<string, CounterValues>, cur: CounterSnapshot, prevAt: number,
): LoadBalancerTrafficSample {
  const loadBalancers = a.loadBalancers.map((lb) => {
    const sum = { ...ZERO };
    for (const l of lb.listeners) {
      const d = deltas.get(rowKey(frontendName(lb, l), 'FRONTEND')) ?? ZERO;
      for (const k of Object.keys(sum) as (keyof CounterValues)[]) sum[k] += d[k];
    }
    return { loadBalancerArn: lb.loadBalancerArn, requests: sum.req_tot, fixedResponses: sum.intercepted, newConnections: sum.conn_tot, ...responses(sum) };
  });
  const servers = [...cur.rows.values()].filter((r) => r.svname !== 'FRONTEND' && r.svname !== 'BACKEND') as unknown as ServerStat[];
  const health = targetHealth(a, servers, cur.at);
  const forwarders = forwardingLoadBalancers(a);
  const targetGroups = a.targetGroups.map((tg): TargetGroupTraffic => {
    const be = backendName(tg);
    const states = health.filter((h) => h.targetGroupArn === tg.targetGroupArn).map((h) => h.state);
    const targets: TargetTraffic[] = [];
    for (const t of tg.targets) {
      const key = rowKey(be, serverName(t));
      const d = deltas.get(key);
      if (!d) continue;
      const rtime = cur.rows.get(key)?.rtime;
      targets.push({ id: t.id, port: t.port, requests: d.req_tot, ...responses(d), ...(rtime ? { responseTimeMs: numberOf(cur.rows.get(key), 'rtime') } : {}) });
    }
    return {
      targetGroupArn: tg.targetGroupArn, loadBalancerArns: [...(forwarders.get(tg.targetGroupArn) ?? [])].sort(),
      requests: (deltas.get(rowKey(be, 'BACKEND')) ?? ZERO).req_tot,
      healthyTargets: states.filter((s) => s === 'healthy').length, unhealthyTargets: states.filter((s) => s === 'unhealthy').length,
      targets,
    };
  });
  return { at: cur.at, intervalMs: Math.max(0, cur.at - prevAt), loadBalancers, targetGroups };
}

/** For each target group, the load balancers whose listeners forward to it (default actions and rules). */
export function forwardingLoadBalancers(a: LoadBalancingAssignment): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const note = (lbArn: string, action: ListenerAction): void => {
    if (action.type !== 'forward') return;
    for (const g of action.targetGroups) out.set(g.targetGroupArn, (out.get(g.targetGroupArn) ?? new Set()).add(lbArn));
  };
  for (const lb of a.loadBalancers) {
    for (const l of lb.listeners) {
      note(lb.loadBalancerArn, l.defaultAction);
      for (const r of l.rules) note(lb.loadBalancerArn, r.action);
    }
  }
  return out;
}
