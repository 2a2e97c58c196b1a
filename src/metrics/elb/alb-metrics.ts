/**
 * AWS/ApplicationELB metrics of one traffic sample of a host's data plane (pure). Names, units and
 * dimensions are ALB's; dimension values are the ARNs' resource suffixes, `app/<name>/<id>` and
 * `targetgroup/<name>/<id>` (what target tracking's ALBRequestCountPerTarget reads).
 *
 *   {LoadBalancer}                RequestCount (requests less fixed responses: no target group chosen),
 *                                 NewConnectionCount, HTTP_Fixed_Response_Count,
 *                                 HTTPCode_ELB_3XX/4XX/5XX_Count (responses not from targets),
 *                                 HTTPCode_Target_2XX…5XX_Count, TargetResponseTime
 *   {TargetGroup}                 RequestCount, RequestCountPerTarget
 *   {LoadBalancer, TargetGroup}   RequestCount, RequestCountPerTarget, HTTPCode_Target_2XX…5XX_Count,
 *                                 TargetResponseTime, HealthyHostCount, UnHealthyHostCount
 *
 * A count of n is stored as n values of 1 (Sum n; Minimum, Maximum and Average 1, as ALB's counts
 * answer). RequestCount and RequestCountPerTarget are published when zero too (ALB: "always
 * reported"), the HTTPCode counts only when not. RequestCountPerTarget is the group's requests over
 * its healthy targets at the reading (over the targets it has when none is healthy), so a minute's
 * Sum is the minute's requests per target. On ALB a target group belongs to one load balancer;
 * Pier lets several forward to one, and then the group's request figures go under {TargetGroup}
 * only (which load balancer sent which request is not counted apart) while its health goes under
 * each {LoadBalancer, TargetGroup}. TargetResponseTime comes from HAProxy's average over each
 * target's last 1,024 responses, weighted by the target's responses in the interval.
 */
import { aggregateOfStatisticSet, aggregateOfValue, type Aggregate } from '../aggregate.js';
import { canonicalDimensions, type Dimension, type PointInput } from '../metric-store.js';
import type { LoadBalancerTrafficSample, ResponseCounts, TargetGroupTraffic, TargetTraffic } from '../../protocol/load-balancing.js';

export const ALB_NAMESPACE = 'AWS/ApplicationELB';

/** `app/<name>/<id>` of a load balancer ARN (the LoadBalancer dimension). */
export function loadBalancerDimension(arn: string): string | undefined {
  const m = /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(arn);
  return m?.[1];
}

/** `targetgroup/<name>/<id>` of a target group ARN (the TargetGroup dimension). */
export function targetGroupDimension(arn: string): string | undefined {
  const m = /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn);
  return m?.[1];
}

/** n requests or responses: n values of 1. */
export function countAggregate(n: number): Aggregate {
  return n > 0 ? { count: n, sum: n, min: 1, max: 1, dist: [[1, n]] } : aggregateOfValue(0);
}

const CLASSES = [['2XX', 'http2xx'], ['3XX', 'http3xx'], ['4XX', 'http4xx'], ['5XX', 'http5xx']] as const;

const responsesOf = (ts: readonly TargetTraffic[]): ResponseCounts => ({
  http2xx: ts.reduce((n, t) => n + t.http2xx, 0), http3xx: ts.reduce((n, t) => n + t.http3xx, 0),
  http4xx: ts.reduce((n, t) => n + t.http4xx, 0), http5xx: ts.reduce((n, t) => n + t.http5xx, 0),
});

/** Targets' response times over the interval: each target's average, weighted by its responses. */
export function responseTimeAggregate(ts: readonly TargetTraffic[]): Aggregate | undefined {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const t of ts) {
    const n = t.http2xx + t.http3xx + t.http4xx + t.http5xx;
    if (n === 0 || t.responseTimeMs === undefined) continue;
    const seconds = t.responseTimeMs / 1000;
    count += n;
    sum += n * seconds;
    min = Math.min(min, seconds);
    max = Math.max(max, seconds);
  }
  return count > 0 ? aggregateOfStatisticSet({ SampleCount: count, Sum: sum, Minimum: min, Maximum: max }) : undefined;
}

/** Requests per target: over the healthy ones, or the targets the group has when none is healthy. */
export function requestsPerTarget(tg: TargetGroupTraffic): number {
  const divisor = tg.healthyTargets > 0 ? tg.healthyTargets : Math.max(1, tg.targets.length);
  return tg.requests / divisor;
}

export function albPoints(s: LoadBalancerTrafficSample): PointInput[] {
  const out: PointInput[] = [];
  const put = (metricName: string, unit: string, dims: Dimension[], aggregate: Aggregate | undefined): void => {
    if (!aggregate) return;
    out.push({
      metric: { namespace: ALB_NAMESPACE, metricName, dimensions: canonicalDimensions(dims) },
      timestampMs: s.at, unit, storageResolution: 60, aggregate,
    });
  };
  const count = (metricName: string, dims: Dimension[], n: number, evenZero = false): void => {
    if (n > 0 || evenZero) put(metricName, 'Count', dims, countAggregate(Math.max(0, n)));
  };
  const lbDim = (arn: string): Dimension[] => {
    const v = loadBalancerDimension(arn);
    return v ? [{ name: 'LoadBalancer', value: v }] : [];
  };

  for (const lb of s.loadBalancers) {
    const dims = lbDim(lb.loadBalancerArn);
    if (dims.length === 0) continue;
    const own = s.targetGroups.filter((tg) => tg.loadBalancerArns.length === 1 && tg.loadBalancerArns[0] === lb.loadBalancerArn);
    const fromTargets = responsesOf(own.flatMap((tg) => tg.targets));
    const anyTargets = responsesOf(s.targetGroups.filter((tg) => tg.loadBalancerArns.includes(lb.loadBalancerArn)).flatMap((tg) => tg.targets));
    count('RequestCount', dims, lb.requests - lb.fixedResponses, true);
    count('NewConnectionCount', dims, lb.newConnections);
    count('HTTP_Fixed_Response_Count', dims, lb.fixedResponses);
    for (const [cls, key] of CLASSES) {
      if (cls !== '2XX') count(`HTTPCode_ELB_${cls}_Count`, dims, lb[key] - anyTargets[key]);
      count(`HTTPCode_Target_${cls}_Count`, dims, fromTargets[key]);
    }
    put('TargetResponseTime', 'Seconds', dims, responseTimeAggregate(own.flatMap((tg) => tg.targets)));
  }

  for (const tg of s.targetGroups) {
    const group = targetGroupDimension(tg.targetGroupArn);
    if (!group) continue;
    const tgDim: Dimension = { name: 'TargetGroup', value: group };
    const pairs = tg.loadBalancerArns.map((arn) => lbDim(arn)).filter((d) => d.length > 0).map((d) => [...d, tgDim]);
    const requestDims = [[tgDim], ...(pairs.length === 1 ? pairs : [])];
    for (const dims of requestDims) {
      count('RequestCount', dims, tg.requests, true);
      put('RequestCountPerTarget', 'Count', dims, aggregateOfValue(requestsPerTarget(tg)));
    }
    if (pairs.length === 1) {
      const dims = pairs[0]!;
      const codes = responsesOf(tg.targets);
      for (const [cls, key] of CLASSES) count(`HTTPCode_Target_${cls}_Count`, dims, codes[key]);
      put('TargetResponseTime', 'Seconds', dims, responseTimeAggregate(tg.targets));
    }
    for (const dims of pairs) {
      put('HealthyHostCount', 'Count', dims, aggregateOfValue(tg.healthyTargets));
      put('UnHealthyHostCount', 'Count', dims, aggregateOfValue(tg.unhealthyTargets));
    }
  }
  return out;
}
