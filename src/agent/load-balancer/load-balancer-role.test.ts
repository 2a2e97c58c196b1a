import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import type { LoadBalancingAssignment, ReportLoadBalancerTrafficRequest, ReportTargetHealthRequest } from '../../protocol/load-balancing.js';
import { ControlPlaneError } from '../control-plane-client.js';
import type { ApplyOutcome } from './haproxy-supervisor.js';
import { LoadBalancerRole, type DataPlane } from './load-balancer-role.js';
import type { CounterSnapshot } from './haproxy-counters.js';
import { backendName, frontendName } from './render-config.js';
import type { ServerStat } from './target-health.js';

const log = createLogger('error');
const T0 = Date.UTC(2026, 0, 1);
const assignment: LoadBalancingAssignment = {
  cursor: 'c1',
  loadBalancers: [{
    loadBalancerArn: 'lb', name: 'web', bindAddress: '127.0.0.1',
    listeners: [{ listenerArn: 'l1', port: 80, protocol: 'HTTP', rules: [], defaultAction: { type: 'forward', targetGroups: [{ targetGroupArn: 'tg', weight: 1 }] } }],
  }],
  targetGroups: [{
    targetGroupArn: 'tg', name: 'tg', protocol: 'HTTP', port: 80, deregistrationDelaySeconds: 10,
    healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, httpCode: '200' },
    targets: [{ id: '10.0.0.1', port: 80 }, { id: '10.0.0.2', port: 80, drainingSinceMs: T0 }],
  }],
};
const be = backendName(assignment.targetGroups[0]!);
const fe = frontendName(assignment.loadBalancers[0]!, assignment.loadBalancers[0]!.listeners[0]!);

/** `show stat` rows of one worker that has answered `n` requests, all through 10.0.0.1. */
function countedRows(n: number): CounterSnapshot['rows'] {
  const counts = { req_tot: String(n), hrsp_2xx: String(n) };
  return new Map([
    [`${fe}/FRONTEND`, { pxname: fe, svname: 'FRONTEND', ...counts, conn_tot: '1' }],
    [`${be}/BACKEND`, { pxname: be, svname: 'BACKEND', ...counts }],
    [`${be}/10.0.0.1:80`, { pxname: be, svname: '10.0.0.1:80', status: 'UP', check_status: 'L7OK', check_code: '200', ...counts, rtime: '4' }],
  ]);
}

class FakeDataPlane implements DataPlane {
  applied: number[] = [];
  fail = false;
  worker = '100';
  rows: CounterSnapshot['rows'] = new Map();
  stat: ServerStat[] = [{ pxname: be, svname: '10.0.0.1:80', status: 'UP', check_status: 'L7OK', check_code: '200' }];
  adopt(): boolean {
    return false;
  }
  running(): boolean {
    return this.applied.length > 0;
  }
  async apply(_a: LoadBalancingAssignment, nowMs: number): Promise<ApplyOutcome> {
    this.applied.push(nowMs);
    if (this.fail) throw new Error('haproxy -c said no');
    return 'reloaded';
  }
  async stats(): Promise<ServerStat[]> {
    return this.stat;
  }
  async counters(at: number): Promise<CounterSnapshot> {
    return { worker: this.worker, at, rows: this.rows };
  }
}

/** A role fed one assignment; the poll then waits for the abort, as a long-poll with no change would. */
function setup(): {
  role: LoadBalancerRole; dp: FakeDataPlane; clock: ManualClock; reports: ReportTargetHealthRequest[]; traffic: ReportLoadBalancerTrafficRequest[];
  run: (signal: AbortSignal) => Promise<void>;
} {
  const clock = new ManualClock(T0);
  const dp = new FakeDataPlane();
  const reports: ReportTargetHealthRequest[] = [];
  const traffic: ReportLoadBalancerTrafficRequest[] = [];
  const role = new LoadBalancerRole({
    clock, log, dataPlane: dp, healthIntervalMs: 60_000,
    client: {
      loadBalancers: async (since, _w, signal) => {
        if (since !== assignment.cursor) return assignment;
        await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
        throw new Error('aborted');
      },
      reportTargetHealth: async (req) => void reports.push(req),
      reportLoadBalancerTraffic: async (req) => {
        traffic.push(req);
        return { accepted: req.samples.length };
      },
    },
  });
  return { role, dp, clock, reports, traffic, run: (signal) => role.run(signal) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

test('applies the assignment, reports on change and again only after 15 s', async () => {
  const { role, dp, clock, reports, run } = setup();
  const abort = new AbortController();
  const running = run(abort.signal);
  await settle();
  assert.deepEqual(dp.applied, [T0]);
  await role.tick();
  assert.equal(reports.length, 1);
  assert.deepEqual(reports[0]!.targets.map((t) => [t.id, t.state]), [['10.0.0.1', 'healthy'], ['10.0.0.2', 'draining']]);
  clock.advance(3000);
  await role.tick();
  assert.equal(reports.length, 1, 'unchanged: not sent');
  dp.stat = [{ ...dp.stat[0]!, status: 'DOWN', check_status: 'L4TOUT' }];
  await role.tick();
  assert.equal(reports.length, 2, 'changed: sent at once');
  assert.equal(reports[1]!.targets[0]!.reason, 'Target.Timeout');
  clock.advance(15_000);
  await role.tick();
  assert.equal(reports.length, 3, 'unchanged for 15 s: sent again');
  abort.abort();
  await running;
});

test('re-applies when a draining target\'s delay passes, and after a failed apply', async () => {
  const { role, dp, clock, run } = setup();
  const abort = new AbortController();
  const running = run(abort.signal);
  await settle();
  await role.tick();
  assert.equal(dp.applied.length, 1);
  clock.advance(5000);
  await role.tick();
  assert.equal(dp.applied.length, 1, 'nothing due yet');
  clock.advance(5000);
  await role.tick();
  assert.deepEqual(dp.applied.slice(1), [T0 + 10_000], 'the delay passed: applied again (the target is dropped)');
  dp.fail = true;
  clock.advance(1000);
  await role.tick();
  await role.tick();
  assert.equal(dp.applied.length, 2, 'nothing due: no apply');
  abort.abort();
  await running;
});

test('a failed apply is retried on the next tick', async () => {
  const { role, dp, run } = setup();
  dp.fail = true;
  const abort = new AbortController();
  const running = run(abort.signal);
  await settle();
  assert.equal(dp.applied.length, 1);
  dp.fail = false;
  await role.tick();
  assert.equal(dp.applied.length, 2);
  await role.tick();
  assert.equal(dp.applied.length, 2, 'succeeded: not again');
  abort.abort();
  await running;
});

test('a control plane without the route (404) is not asked again at once; reports are not sent', async () => {
  let asked = 0;
  const role = new LoadBalancerRole({
    clock: new ManualClock(T0), log, dataPlane: new FakeDataPlane(), healthIntervalMs: 10,
    client: {
      loadBalancers: async () => {
        asked++;
        throw new ControlPlaneError(404, 'NotFound', 'no such route');
      },
      reportTargetHealth: async () => assert.fail('nothing to report'),
      reportLoadBalancerTraffic: async () => assert.fail('nothing to report'),
    },
  });
  const abort = new AbortController();
  const running = role.run(abort.signal);
  await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  await running;
  assert.equal(asked, 1);
});

test('traffic: read before each change (a reload resets the counters), from zero in a new worker, and once more when stopping', async () => {
  const { role, dp, clock, traffic, run } = setup();
  const abort = new AbortController();
  const running = run(abort.signal);
  await settle();
  assert.equal(dp.applied.length, 1, 'HAProxy started (it was not running: its counters are all new)');
  dp.rows = countedRows(5);
  clock.advance(10_000);
  await role.tick();
  assert.equal(dp.applied.length, 2, 'the drained target is dropped: a change, so the counters were read first');
  // The change reloaded HAProxy: a new worker counting from zero.
  dp.worker = '101';
  dp.rows = countedRows(2);
  clock.advance(1000);
  abort.abort();
  await running;
  const samples = traffic.flatMap((r) => r.samples);
  assert.deepEqual(samples.map((s) => [s.at, s.intervalMs]), [[T0 + 10_000, 10_000], [T0 + 11_000, 1000]]);
  assert.deepEqual(samples.map((s) => s.loadBalancers[0]!.requests), [5, 2]);
  assert.deepEqual(samples.map((s) => s.targetGroups[0]!.requests), [5, 2]);
  assert.deepEqual(samples[0]!.targetGroups[0], {
    targetGroupArn: 'tg', loadBalancerArns: ['lb'], requests: 5, healthyTargets: 1, unhealthyTargets: 0,
    targets: [{ id: '10.0.0.1', port: 80, requests: 5, http2xx: 5, http3xx: 0, http4xx: 0, http5xx: 0, responseTimeMs: 4 }],
  });
  assert.equal(role.traffic.queued.length, 0, 'all sent');
});

test('traffic: an adopted HAProxy\'s first reading is the baseline (the previous agent reported what came before)', async () => {
  const { dp, clock, traffic, run } = setup();
  dp.adopt = () => true;
  dp.applied.push(T0 - 1);
  dp.rows = countedRows(1000);
  const abort = new AbortController();
  const running = run(abort.signal);
  await settle();
  dp.rows = countedRows(1003);
  clock.advance(2000);
  abort.abort();
  await running;
  assert.deepEqual(traffic.flatMap((r) => r.samples).map((s) => s.loadBalancers[0]!.requests), [3]);
});
