import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datapointsOf, metricSpecOf, windowOf } from '../../autoscaling/metric-source.js';
import { AgentProtocolError } from '../../control-plane/hosts.js';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import type { LoadBalancerTrafficSample } from '../../protocol/load-balancing.js';
import type { MetricsContext } from '../context.js';
import { SqliteMetricStore } from '../sqlite/sqlite-metric-store.js';
import { ingestLoadBalancerTraffic, parseReportLoadBalancerTraffic } from './load-balancer-traffic.js';

const dir = mkdtempSync(join(tmpdir(), 'pier-alb-'));
const store = SqliteMetricStore.open({ dir });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
const NOW = Date.UTC(2026, 5, 15, 12, 3, 0);
const ctx: MetricsContext = { store, clock: new ManualClock(NOW), log: silentLogger };

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:';
const LB = `${ARN}loadbalancer/app/web/50dc6c495c0c9188`;
const TG = `${ARN}targetgroup/site/73e2d6bc24d8a067`;
const zero = { http2xx: 0, http3xx: 0, http4xx: 0, http5xx: 0 };

const sample = (at: number, requests: number, healthy: number): LoadBalancerTrafficSample => ({
  at, intervalMs: 10_000,
  loadBalancers: [{ loadBalancerArn: LB, requests, fixedResponses: 0, newConnections: 1, ...zero, http2xx: requests }],
  targetGroups: [{
    targetGroupArn: TG, loadBalancerArns: [LB], requests, healthyTargets: healthy, unhealthyTargets: 0,
    targets: [{ id: '10.0.1.5', port: 8080, requests, ...zero, http2xx: requests, responseTimeMs: 2 }],
  }],
});

test('parses a report as the agent sends it; refuses a malformed one', () => {
  const body = JSON.parse(JSON.stringify({ samples: [sample(NOW, 3, 1)] })) as Record<string, unknown>;
  assert.deepEqual(parseReportLoadBalancerTraffic(body), { samples: [sample(NOW, 3, 1)] });
  const broken = (mutate: (s: any) => void): void => {
    const b = JSON.parse(JSON.stringify({ samples: [sample(NOW, 3, 1)] }));
    mutate(b.samples[0]);
    assert.throws(() => parseReportLoadBalancerTraffic(b), (e: unknown) => e instanceof AgentProtocolError && e.status === 400);
  };
  broken((s) => (s.at = 'now'));
  broken((s) => (s.loadBalancers[0].requests = -1));
  broken((s) => delete s.targetGroups[0].loadBalancerArns);
  broken((s) => (s.targetGroups[0].targets[0].http2xx = Number.NaN));
  broken((s) => (s.loadBalancers = {}));
  assert.throws(() => parseReportLoadBalancerTraffic({ samples: Array(101).fill(sample(NOW, 1, 1)) }), /at most|more than 100/);
});

test('target tracking on ALBRequestCountPerTarget reads what the samples publish', async () => {
  // Two minutes: 60 then 30 requests in 10 s samples, over 3 healthy targets, then 2.
  const samples: LoadBalancerTrafficSample[] = [];
  for (let i = 1; i <= 6; i++) samples.push(sample(NOW - 120_000 + i * 10_000 - 1, 10, 3));
  for (let i = 1; i <= 3; i++) samples.push(sample(NOW - 60_000 + i * 10_000 - 1, 10, 2));
  const tooOld = sample(NOW - 15 * 86_400_000, 1000, 1);
  assert.deepEqual(await ingestLoadBalancerTraffic(ctx, { samples: [...samples, tooOld] }), { accepted: 9 });
  const spec = metricSpecOf({ cluster: 'default', service: 'site' }, {
    PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'app/web/50dc6c495c0c9188/targetgroup/site/73e2d6bc24d8a067' },
  })!;
  const { fromMs, toMs } = windowOf(NOW - 1, 2);
  const buckets = await store.read(spec.metric, 60, fromMs, toMs, spec.unit);
  assert.deepEqual(datapointsOf(buckets, NOW - 1, 2, spec.statistic), [20, 15], 'requests per healthy target in each minute');
});
