import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import type { LoadBalancingAssignment, ReportTargetHealthRequest } from '../../protocol/load-balancing.js';
import { ControlPlaneError } from '../control-plane-client.js';
import type { ApplyOutcome } from './haproxy-supervisor.js';
import { LoadBalancerRole, type DataPlane } from './load-balancer-role.js';
import { backendName } from './render-config.js';
import type { ServerStat } from './target-health.js';

const log = createLogger('error');
const T0 = Date.UTC(2026, 0, 1);
const assignment: LoadBalancingAssignment = {
  cursor: 'c1',
  loadBalancers: [{ loadBalancerArn: 'lb', name: 'web', bindAddress: '127.0.0.1', listeners: [] }],
  targetGroups: [{
    targetGroupArn: 'tg', name: 'tg', protocol: 'HTTP', port: 80, deregistrationDelaySeconds: 10,
    healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, httpCode: '200' },
    targets: [{ id: '10.0.0.1', port: 80 }, { id: '10.0.0.2', port: 80, drainingSinceMs: T0 }],
  }],
};
const be = backendName(assignment.targetGroups[0]!);

class FakeDataPlane implements DataPlane {
  applied: number[] = [];
  fail = false;
  stat: ServerStat[] = [{ pxname: be, svname: '10.0.0.1:80', status: 'UP', check_status: 'L7OK', check_code: '200' }];
  adopt(): boolean {
    return false;
  }
  running(): boolean {
    return true;
  }
  async apply(_a: LoadBalancingAssignment, nowMs: number): Promise<ApplyOutcome> {
    this.applied.push(nowMs);
    if (this.fail) throw new Error('haproxy -c said no');
    return 'reloaded';
  }
  async stats(): Promise<ServerStat[]> {
    return this.stat;
  }
}

/** A role fed one assignment; the poll then waits for the abort, as a long-poll with no change would. */
function setup(): { role: LoadBalancerRole; dp: FakeDataPlane; clock: ManualClock; reports: ReportTargetHealthRequest[]; run: (signal: AbortSignal) => Promise<void> } {
  const clock = new ManualClock(T0);
  const dp = new FakeDataPlane();
  const reports: ReportTargetHealthRequest[] = [];
  const role = new LoadBalancerRole({
    clock, log, dataPlane: dp, healthIntervalMs: 60_000,
    client: {
      loadBalancers: async (since, _w, signal) => {
        if (since !== assignment.cursor) return assignment;
        await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
        throw new Error('aborted');
      },
      reportTargetHealth: async (req) => void reports.push(req),
    },
  });
  return { role, dp, clock, reports, run: (signal) => role.run(signal) };
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
    },
  });
  const abort = new AbortController();
  const running = role.run(abort.signal);
  await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  await running;
  assert.equal(asked, 1);
});
