import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../lib/logger.js';
import type { LoadBalancingAssignment, ReportLoadBalancerTrafficRequest } from '../../protocol/load-balancing.js';
import { ControlPlaneError } from '../control-plane-client.js';
import type { CounterSnapshot } from './haproxy-counters.js';
import { frontendName } from './render-config.js';
import { TrafficReporter } from './traffic-reporter.js';

const log = createLogger('error');
const lb = { loadBalancerArn: 'lb', name: 'web', bindAddress: '127.0.0.1', listeners: [{ listenerArn: 'l', port: 80, protocol: 'HTTP' as const, rules: [], defaultAction: { type: 'fixed-response' as const, statusCode: 200 } }] };
const a: LoadBalancingAssignment = { cursor: 'c', loadBalancers: [lb], targetGroups: [] };
const fe = frontendName(lb, lb.listeners[0]!);
const reading = (at: number, req: number): CounterSnapshot => ({
  worker: '7', at, rows: new Map([[`${fe}/FRONTEND`, { pxname: fe, svname: 'FRONTEND', req_tot: String(req), intercepted: String(req) }]]),
});

function reporter(send: (req: ReportLoadBalancerTrafficRequest) => Promise<void>, maxPending?: number): { r: TrafficReporter; next: (s: CounterSnapshot) => void } {
  let snap: CounterSnapshot | undefined;
  const r = new TrafficReporter({
    log, read: async () => snap, ...(maxPending ? { maxPending } : {}),
    send: async (req) => {
      await send(req);
      return { accepted: req.samples.length };
    },
  });
  return { r, next: (s) => (snap = s) };
}

test('samples the control plane did not take are sent again with the next; sent ones are not', async () => {
  const got: number[][] = [];
  let down = true;
  const { r, next } = reporter(async (req) => {
    if (down) throw new ControlPlaneError(503, 'Unavailable', 'restarting');
    got.push(req.samples.map((s) => s.loadBalancers[0]!.requests));
  });
  r.countFromZero(0);
  next(reading(10, 4));
  await r.observe(a);
  await r.flush();
  next(reading(20, 9));
  await r.observe(a);
  await r.flush();
  assert.equal(r.queued.length, 2);
  down = false;
  await r.flush();
  assert.deepEqual(got, [[4, 5]]);
  assert.equal(r.queued.length, 0);
});

test('a control plane without the route, or one refusing the samples, drops them; the queue is bounded', async () => {
  let answer: ControlPlaneError | undefined = new ControlPlaneError(404, 'NotFound', 'no route');
  const { r, next } = reporter(async () => {
    if (answer) throw answer;
  }, 2);
  r.countFromZero(0);
  for (let i = 1; i <= 3; i++) {
    next(reading(i * 10, i));
    await r.observe(a);
  }
  assert.deepEqual(r.queued.map((s) => s.at), [20, 30], 'the oldest went first');
  await r.flush();
  assert.equal(r.queued.length, 0);
  answer = new ControlPlaneError(400, 'BadRequest', 'samples.0.at must be a non-negative number.');
  next(reading(40, 5));
  await r.observe(a);
  await r.flush();
  assert.equal(r.queued.length, 0);
});

test('no reading without an assignment or without HAProxy; the first reading of an adopted one is the baseline', async () => {
  const { r, next } = reporter(async () => undefined);
  next(reading(10, 100));
  await r.observe(a);
  assert.equal(r.queued.length, 0, 'baseline');
  next(reading(20, 103));
  await r.observe(undefined);
  assert.equal(r.queued.length, 0, 'no assignment: a reading, no sample');
  next(reading(30, 110));
  await r.observe(a);
  assert.deepEqual(r.queued.map((s) => [s.loadBalancers[0]!.requests, s.loadBalancers[0]!.fixedResponses, s.intervalMs]), [[7, 7, 10]]);
});
