/**
 * The control plane's side of load-balancer traffic: hosts report what their HAProxy counted
 * (POST /agent/v1/hosts/{id}/load-balancer-metrics, src/protocol/load-balancing.ts); each sample
 * becomes AWS/ApplicationELB points in the metric store (alb-metrics.ts). Every host runs every
 * load balancer, so hosts' samples add up: requests sum, and each host's healthy-target count is
 * one value of HealthyHostCount.
 */
import { AgentProtocolError } from '../../control-plane/hosts.js';
import type {
  LoadBalancerTraffic, LoadBalancerTrafficSample, ReportLoadBalancerTrafficRequest, ReportLoadBalancerTrafficResponse,
  TargetGroupTraffic, TargetTraffic,
} from '../../protocol/load-balancing.js';
import type { MetricsContext } from '../context.js';
import { DAY_MS } from '../context.js';
import type { PointInput } from '../metric-store.js';
import { albPoints } from './alb-metrics.js';

export const MAX_TRAFFIC_SAMPLES = 100;
const MAX_ENTRIES = 10_000;
/** Samples older than this are not stored (CloudWatch takes data up to two weeks old). */
const OLDEST_MS = 14 * DAY_MS;
const NEWEST_MS = 2 * 3_600_000;

export async function ingestLoadBalancerTraffic(ctx: MetricsContext, req: ReportLoadBalancerTrafficRequest): Promise<ReportLoadBalancerTrafficResponse> {
  const now = ctx.clock.now();
  const points: PointInput[] = [];
  let accepted = 0;
  for (const s of req.samples) {
    if (s.at < now - OLDEST_MS || s.at > now + NEWEST_MS) continue;
    points.push(...albPoints(s));
    accepted += 1;
  }
  if (points.length > 0) await ctx.store.put(points, now);
  return { accepted };
}

const bad = (message: string): never => {
  throw new AgentProtocolError(400, 'BadRequest', message);
};

function list(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v)) return bad(`${field} must be a list.`);
  if (v.length > max) bad(`${field} has more than ${max} entries.`);
  return v;
}

function count(o: Record<string, unknown>, k: string, field: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return bad(`${field}.${k} must be a non-negative number.`);
  return v;
}

function text(o: Record<string, unknown>, k: string, field: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') return bad(`${field}.${k} must be a string.`);
  return v;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const responses = (o: Record<string, unknown>, f: string) => ({
  http2xx: count(o, 'http2xx', f), http3xx: count(o, 'http3xx', f), http4xx: count(o, 'http4xx', f), http5xx: count(o, 'http5xx', f),
});

function parseTarget(raw: unknown, f: string): TargetTraffic {
  const o = obj(raw);
  const port = count(o, 'port', f);
  return {
    id: text(o, 'id', f), port, requests: count(o, 'requests', f), ...responses(o, f),
    ...(o.responseTimeMs !== undefined ? { responseTimeMs: count(o, 'responseTimeMs', f) } : {}),
  };
}

function parseLoadBalancer(raw: unknown, f: string): LoadBalancerTraffic {
  const o = obj(raw);
  return {
    loadBalancerArn: text(o, 'loadBalancerArn', f), requests: count(o, 'requests', f), fixedResponses: count(o, 'fixedResponses', f),
    newConnections: count(o, 'newConnections', f), ...responses(o, f),
  };
}

function parseTargetGroup(raw: unknown, f: string): TargetGroupTraffic {
  const o = obj(raw);
  return {
    targetGroupArn: text(o, 'targetGroupArn', f),
    loadBalancerArns: list(o.loadBalancerArns, `${f}.loadBalancerArns`, 100).map((a, i) => (typeof a === 'string' ? a : bad(`${f}.loadBalancerArns.${i} must be a string.`))),
    requests: count(o, 'requests', f), healthyTargets: count(o, 'healthyTargets', f), unhealthyTargets: count(o, 'unhealthyTargets', f),
    targets: list(o.targets, `${f}.targets`, MAX_ENTRIES).map((t, i) => parseTarget(t, `${f}.targets.${i}`)),
  };
}

/** Checks a traffic report's shape (agent-routes answers AgentProtocolError 400 otherwise). */
export function parseReportLoadBalancerTraffic(b: Record<string, unknown>): ReportLoadBalancerTrafficRequest {
  const samples = list(b.samples, 'samples', MAX_TRAFFIC_SAMPLES).map((raw, i): LoadBalancerTrafficSample => {
    const o = obj(raw);
    const f = `samples.${i}`;
    return {
      at: count(o, 'at', f), intervalMs: count(o, 'intervalMs', f),
      loadBalancers: list(o.loadBalancers, `${f}.loadBalancers`, MAX_ENTRIES).map((x, j) => parseLoadBalancer(x, `${f}.loadBalancers.${j}`)),
      targetGroups: list(o.targetGroups, `${f}.targetGroups`, MAX_ENTRIES).map((x, j) => parseTargetGroup(x, `${f}.targetGroups.${j}`)),
    };
  });
  return { samples };
}
