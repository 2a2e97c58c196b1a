import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBalancerTrafficSample, TargetGroupTraffic } from '../../protocol/load-balancing.js';
import { statisticOf } from '../aggregate.js';
import type { PointInput } from '../metric-store.js';
import { albPoints, loadBalancerDimension, targetGroupDimension } from './alb-metrics.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:';
const LB = `${ARN}loadbalancer/app/web/50dc6c495c0c9188`;
const LB2 = `${ARN}loadbalancer/app/api/1111222233334444`;
const TG = `${ARN}targetgroup/site/73e2d6bc24d8a067`;
const AT = Date.UTC(2026, 5, 15, 12, 0, 30);
const zero = { http2xx: 0, http3xx: 0, http4xx: 0, http5xx: 0 };

const group = (over: Partial<TargetGroupTraffic> = {}): TargetGroupTraffic => ({
  targetGroupArn: TG, loadBalancerArns: [LB], requests: 12, healthyTargets: 2, unhealthyTargets: 1,
  targets: [
    { id: '10.0.1.5', port: 8080, requests: 8, ...zero, http2xx: 7, http5xx: 1, responseTimeMs: 10 },
    { id: '10.0.1.6', port: 8080, requests: 3, ...zero, http2xx: 2, http4xx: 1, responseTimeMs: 40 },
  ],
  ...over,
});

/** 15 requests to the listener: 2 fixed responses (1 of them a 503), 12 to the group (11 answered by targets, 1 HAProxy 503). */
const sample = (groups: TargetGroupTraffic[] = [group()]): LoadBalancerTrafficSample => ({
  at: AT, intervalMs: 10_000,
  loadBalancers: [{ loadBalancerArn: LB, requests: 14, fixedResponses: 2, newConnections: 4, http2xx: 10, http3xx: 0, http4xx: 1, http5xx: 3 }],
  targetGroups: groups,
});

/** metric name → dimension text → the point. */
function index(points: PointInput[]): Map<string, Map<string, PointInput>> {
  const out = new Map<string, Map<string, PointInput>>();
  for (const p of points) {
    const dims = p.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(',');
    assert.equal(p.metric.namespace, 'AWS/ApplicationELB');
    const m = out.get(p.metric.metricName) ?? new Map<string, PointInput>();
    assert.ok(!m.has(dims), `${p.metric.metricName} ${dims} twice`);
    out.set(p.metric.metricName, m.set(dims, p));
  }
  return out;
}

const L = 'LoadBalancer=app/web/50dc6c495c0c9188';
const G = 'TargetGroup=targetgroup/site/73e2d6bc24d8a067';
const LG = `${L},${G}`;
const sum = (m: Map<string, Map<string, PointInput>>, name: string, dims: string): number | undefined => {
  const p = m.get(name)?.get(dims);
  return p ? statisticOf(p.aggregate, 'Sum') : undefined;
};

test('dimension values are the ARNs\' resource suffixes', () => {
  assert.equal(loadBalancerDimension(LB), 'app/web/50dc6c495c0c9188');
  assert.equal(targetGroupDimension(TG), 'targetgroup/site/73e2d6bc24d8a067');
  assert.equal(loadBalancerDimension(TG), undefined);
  assert.equal(targetGroupDimension('arn:lb/test'), undefined);
});

test('a sample becomes ALB\'s metrics under ALB\'s names, units and dimensions', () => {
  const m = index(albPoints(sample()));
  assert.deepEqual([...m.get('RequestCount')!.keys()].sort(), [L, LG, G].sort());
  assert.equal(sum(m, 'RequestCount', L), 12, 'fixed responses choose no target: not requests');
  assert.equal(sum(m, 'RequestCount', G), 12);
  assert.equal(sum(m, 'RequestCount', LG), 12);
  assert.equal(sum(m, 'RequestCountPerTarget', G), 6, '12 requests over 2 healthy targets');
  assert.equal(sum(m, 'RequestCountPerTarget', LG), 6);
  assert.equal(sum(m, 'HTTPCode_Target_2XX_Count', LG), 9);
  assert.equal(sum(m, 'HTTPCode_Target_2XX_Count', L), 9);
  assert.equal(sum(m, 'HTTPCode_Target_4XX_Count', LG), 1);
  assert.equal(sum(m, 'HTTPCode_Target_5XX_Count', LG), 1);
  assert.equal(m.get('HTTPCode_Target_3XX_Count'), undefined, 'counts are published when not zero');
  assert.equal(sum(m, 'HTTPCode_ELB_5XX_Count', L), 2, 'the listener sent 3, a target 1');
  assert.equal(sum(m, 'HTTPCode_ELB_4XX_Count', L), undefined);
  assert.equal(sum(m, 'HTTP_Fixed_Response_Count', L), 2);
  assert.equal(sum(m, 'NewConnectionCount', L), 4);
  assert.equal(sum(m, 'HealthyHostCount', LG), 2);
  assert.equal(sum(m, 'UnHealthyHostCount', LG), 1);
  const rt = m.get('TargetResponseTime')!.get(LG)!;
  assert.equal(rt.unit, 'Seconds');
  assert.equal(statisticOf(rt.aggregate, 'SampleCount'), 11);
  assert.ok(Math.abs(statisticOf(rt.aggregate, 'Average')! - (8 * 0.01 + 3 * 0.04) / 11) < 1e-12);
  assert.equal(statisticOf(rt.aggregate, 'Maximum'), 0.04);
  const rc = m.get('RequestCount')!.get(L)!;
  assert.equal(rc.unit, 'Count');
  assert.equal(rc.timestampMs, AT);
  assert.equal(rc.storageResolution, 60);
  assert.deepEqual(['Minimum', 'Maximum', 'Average'].map((s) => statisticOf(rc.aggregate, s)), [1, 1, 1], 'as ALB answers for counts');
});

test('an idle load balancer still reports zero requests, and per target zero', () => {
  const m = index(albPoints({
    ...sample([group({ requests: 0, targets: [] })]),
    loadBalancers: [{ loadBalancerArn: LB, requests: 0, fixedResponses: 0, newConnections: 0, ...zero }],
  }));
  assert.equal(sum(m, 'RequestCount', L), 0);
  assert.equal(sum(m, 'RequestCountPerTarget', G), 0);
  assert.equal(m.get('TargetResponseTime'), undefined);
  assert.equal(m.get('NewConnectionCount'), undefined);
});

test('no healthy target: requests per target are over the targets the group has', () => {
  const m = index(albPoints(sample([group({ healthyTargets: 0, unhealthyTargets: 2 })])));
  assert.equal(sum(m, 'RequestCountPerTarget', G), 6);
});

test('a group two load balancers forward to: requests under {TargetGroup} only, health under each pair', () => {
  const m = index(albPoints(sample([group({ loadBalancerArns: [LB2, LB] })])));
  assert.deepEqual([...m.get('RequestCount')!.keys()].sort(), [L, G]);
  assert.equal(sum(m, 'HTTPCode_Target_2XX_Count', L), undefined, 'not counted as the web load balancer\'s alone');
  assert.deepEqual([...m.get('HealthyHostCount')!.keys()].sort(), [`LoadBalancer=app/api/1111222233334444,${G}`, LG]);
});
