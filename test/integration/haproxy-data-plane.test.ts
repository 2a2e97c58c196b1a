/**
 * The load balancers' data plane on a real HAProxy (as root): the agent's renderer and supervisor
 * in front of small HTTP servers on 127.0.0.1 ports this test opens. Routing by path and host,
 * fixed responses, health checks, zero failed requests under continuous load while targets come,
 * drain and go and the listener set is reloaded, a draining target finishing its in-flight
 * request, an agent process killed with SIGKILL leaving its listeners serving, a second supervisor
 * (a restarted agent) adopting the running HAProxy, the role's
 * loop reporting target health, and its traffic reports counting every request exactly once across
 * a reload (health checks not at all). Everything it made (HAProxy by pid, servers, files) is removed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { HaproxySupervisor } from '../../src/agent/load-balancer/haproxy-supervisor.js';
import { LoadBalancerRole } from '../../src/agent/load-balancer/load-balancer-role.js';
import { targetHealth } from '../../src/agent/load-balancer/target-health.js';
import { ControlPlaneError } from '../../src/agent/control-plane-client.js';
import type {
  ListenerConfig, LoadBalancerTrafficSample, LoadBalancingAssignment, ReportTargetHealthRequest, TargetConfig, TargetGroupConfig, TargetHealthReport,
} from '../../src/protocol/load-balancing.js';
import { freePort } from '../helpers/free-port.js';

const log = createLogger('warn');
let WORK = '';
let RUN = '';
let sup: HaproxySupervisor;
let PORT = 0;
const backends = new Map<string, Backend>();
const pids: number[] = [];

interface Backend { name: string; port: number; server: Server; healthStatus: number; hits: number }

async function startBackend(name: string): Promise<Backend> {
  const b: Backend = { name, port: 0, server: createServer(), healthStatus: 200, hits: 0 };
  b.server.on('request', (req, res) => {
    if (req.url === '/health') {
      res.writeHead(b.healthStatus).end();
      return;
    }
    b.hits++;
    const slow = /^\/slow\?ms=(\d+)/.exec(req.url ?? '');
    const answer = (): void => void res.writeHead(200, { 'content-type': 'text/plain' }).end(`${name} ${req.url} ${req.headers.host ?? ''}`);
    if (slow) setTimeout(answer, Number(slow[1]));
    else answer();
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r));
  b.port = (b.server.address() as AddressInfo).port;
  backends.set(name, b);
  return b;
}

const target = (name: string, over: Partial<TargetConfig> = {}): TargetConfig => ({ id: '127.0.0.1', port: backends.get(name)!.port, ...over });
const group = (name: string, targets: TargetConfig[], over: Partial<TargetGroupConfig> = {}): TargetGroupConfig => ({
  targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`, name, protocol: 'HTTP', port: 80,
  healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/health', intervalSeconds: 1, timeoutSeconds: 1, healthyThresholdCount: 2, unhealthyThresholdCount: 2, httpCode: '200-299' },
  deregistrationDelaySeconds: 5, targets, ...over,
});
const forward = (name: string): ListenerConfig['defaultAction'] => ({ type: 'forward', targetGroups: [{ targetGroupArn: group(name, []).targetGroupArn, weight: 1 }] });

function assignment(groups: TargetGroupConfig[], extraRules: ListenerConfig['rules'] = [], cursor = String(Date.now())): LoadBalancingAssignment {
  const rules: ListenerConfig['rules'] = [
    { ruleArn: 'r-api', priority: 10, pathPatterns: ['/api/*'], action: forward('b') },
    { ruleArn: 'r-host', priority: 20, hostHeaders: ['*.B.test'], action: forward('b') },
    { ruleArn: 'r-tea', priority: 30, pathPatterns: ['/tea?ot'], action: { type: 'fixed-response', statusCode: 418, contentType: 'text/plain', messageBody: 'short and "stout" $5' } },
    { ruleArn: 'r-slow', priority: 40, pathPatterns: ['/slow'], action: forward('c') },
    ...extraRules,
  ];
  return {
    cursor, targetGroups: groups,
    loadBalancers: [{ loadBalancerArn: 'arn:lb/test', name: 'test', bindAddress: '127.0.0.1', listeners: [{ listenerArn: 'arn:l/1', port: PORT, protocol: 'HTTP', defaultAction: forward('a'), rules }] }],
  };
}

const extraRule: ListenerConfig['rules'][number] = { ruleArn: 'r-extra', priority: 50, pathPatterns: ['/extra'], action: forward('b') };

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 8 });

function get(path: string, opts: { host?: string; agent?: HttpAgent } = {}): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, agent: opts.agent ?? keepAlive, headers: opts.host ? { host: opts.host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function health(a: LoadBalancingAssignment): Promise<TargetHealthReport[]> {
  return targetHealth(a, await sup.stats(), Date.now());
}

async function waitHealth(a: LoadBalancingAssignment, name: string, state: string, timeoutMs = 15_000): Promise<TargetHealthReport> {
  const port = backends.get(name)!.port;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = (await health(a)).find((x) => x.port === port);
    if (r?.state === state) return r;
    if (Date.now() > until) assert.fail(`${name} never became ${state}: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

const groupsNow = (a: TargetConfig[], extra: Partial<Record<'b' | 'c', TargetConfig[]>> = {}): TargetGroupConfig[] =>
  [group('a', a), group('b', extra.b ?? [target('b1')]), group('c', extra.c ?? [target('c1')], { deregistrationDelaySeconds: 5 })];

before(async () => {
  WORK = mkdtempSync(join(tmpdir(), 'pier-haproxy-'));
  RUN = mkdtempSync('/run/pier-lb-');
  sup = new HaproxySupervisor({ dir: WORK, runDir: RUN, log });
  PORT = await freePort();
  for (const n of ['a1', 'a2', 'a3', 'b1', 'c1']) await startBackend(n);
});

after(async () => {
  await sup.stop({ graceful: false });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  keepAlive.destroy();
  for (const b of backends.values()) b.server.closeAllConnections();
  await Promise.all([...backends.values()].map((b) => new Promise((r) => b.server.close(r))));
  rmSync(WORK, { recursive: true, force: true });
  rmSync(RUN, { recursive: true, force: true });
});

test('path and host rules route to the right group; fixed responses answer', async () => {
  const a = assignment(groupsNow([target('a1'), target('a2')]));
  assert.equal(await sup.apply(a, Date.now()), 'started');
  pids.push(sup.masterPid!);
  await waitHealth(a, 'a1', 'healthy');
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add((await get('/anything')).body.split(' ')[0]!);
  assert.deepEqual([...seen].sort(), ['a1', 'a2']);
  assert.match((await get('/api/v1/x?q=1')).body, /^b1 \/api\/v1\/x\?q=1/);
  assert.match((await get('/other', { host: 'Shop.b.TEST:8080' })).body, /^b1 /);
  assert.match((await get('/other', { host: 'b.test' })).body, /^a[12] /, 'the wildcard needs a label before .b.test');
  const tea = await get('/teapot');
  assert.deepEqual(tea, { status: 418, body: 'short and "stout" $5', type: 'text/plain' });
  assert.equal((await get('/teapots')).status, 200, '? is exactly one character');
});

test('health checks mark a failing target unhealthy with the reason, and a recovered one healthy', async () => {
  const a = assignment(groupsNow([target('a1'), target('a2')]));
  assert.equal(await sup.apply(a, Date.now()), 'unchanged');
  backends.get('a2')!.healthStatus = 503;
  const down = await waitHealth(a, 'a2', 'unhealthy');
  assert.equal(down.reason, 'Target.ResponseCodeMismatch');
  assert.match(down.description!, /503/);
  for (let i = 0; i < 4; i++) assert.match((await get('/x')).body, /^a1 /, 'no traffic to an unhealthy target');
  backends.get('a2')!.healthStatus = 200;
  await waitHealth(a, 'a2', 'healthy');
});

test('zero failed requests while targets are added, drained, removed and the listeners reloaded', async () => {
  let ok = 0;
  const failures: string[] = [];
  let running = true;
  const clients = [...Array(4).keys()].map(async () => {
    while (running) {
      try {
        const r = await get('/load');
        if (r.status === 200) ok++;
        else failures.push(`HTTP ${r.status}`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  });
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  try {
    await pause(500);
    // A target registered: the runtime API, no reload.
    const workerBefore = await sup.workerPid();
    let a = assignment(groupsNow([target('a1'), target('a2'), target('a3')]));
    assert.equal(await sup.apply(a, Date.now()), 'runtime');
    await waitHealth(a, 'a3', 'healthy');
    assert.equal(await sup.workerPid(), workerBefore, 'adding a target does not reload');
    await pause(500);
    // a1 deregistered: drained at once, then gone after the delay.
    const drainedAt = Date.now();
    a = assignment(groupsNow([target('a1', { drainingSinceMs: drainedAt }), target('a2'), target('a3')]));
    assert.equal(await sup.apply(a, Date.now()), 'runtime');
    assert.equal((await health(a)).find((r) => r.port === backends.get('a1')!.port)?.state, 'draining');
    const hitsAtDrain = backends.get('a1')!.hits;
    await pause(1000);
    assert.ok(backends.get('a1')!.hits - hitsAtDrain <= 8, 'a draining target takes no new requests (only those already sent)');
    // The listener set changes (a new rule): a reload, seamless.
    a = assignment(a.targetGroups, [{ ruleArn: 'r-new', priority: 5, pathPatterns: ['/new'], action: forward('b') }]);
    assert.equal(await sup.apply(a, Date.now()), 'reloaded');
    assert.notEqual(await sup.workerPid(), workerBefore);
    await pause(500);
    assert.match((await get('/new')).body, /^b1 /);
    // The delay passes: the drained target goes (runtime del server).
    await pause(Math.max(0, drainedAt + 5100 - Date.now()));
    assert.equal(await sup.apply(a, Date.now()), 'runtime');
    assert.ok(!(await sup.stats()).some((s) => s.svname === `127.0.0.1:${backends.get('a1')!.port}`));
    // And a second reload, with a removed rule, under the same load.
    a = assignment(a.targetGroups);
    assert.equal(await sup.apply(a, Date.now()), 'reloaded');
    await pause(800);
  } finally {
    running = false;
    await Promise.all(clients);
  }
  assert.deepEqual(failures, []);
  assert.ok(ok > 200, `only ${ok} requests went through`);
});

test('a draining target finishes its in-flight request', async () => {
  let a = assignment(groupsNow([target('a2'), target('a3')]));
  await sup.apply(a, Date.now());
  await waitHealth(a, 'c1', 'healthy');
  const slow = get('/slow?ms=2500', { agent: new HttpAgent() });
  await new Promise((r) => setTimeout(r, 300));
  a = assignment(groupsNow([target('a2'), target('a3')], { c: [target('c1', { drainingSinceMs: Date.now() })] }));
  assert.equal(await sup.apply(a, Date.now()), 'runtime');
  const r = await slow;
  assert.equal(r.status, 200);
  assert.match(r.body, /^c1 \/slow/);
  assert.equal((await get('/slow?ms=1')).status, 503, 'no new request goes to the draining target');
  // A reload while it drains: the new worker starts it disabled (the next test registers it again).
  a = assignment(a.targetGroups, [extraRule]);
  assert.equal(await sup.apply(a, Date.now()), 'reloaded');
  assert.equal((await get('/slow?ms=1')).status, 503);
});

test('a new supervisor (an agent restart) adopts the running HAProxy and keeps changing it', async () => {
  const master = sup.masterPid!;
  const worker = await sup.workerPid();
  const again = new HaproxySupervisor({ dir: WORK, runDir: RUN, log });
  assert.ok(again.adopt());
  assert.equal(again.masterPid, master);
  // c1 registered again after its drain and a reload: back in service through the runtime API.
  const a = assignment(groupsNow([target('a2'), target('a3')], { c: [target('c1')] }), [extraRule]);
  assert.equal(await again.apply(a, Date.now()), 'runtime');
  assert.equal(await again.workerPid(), worker, 'adopting does not restart or reload it');
  await waitHealth(a, 'c1', 'healthy');
  // A new connection: after a reload, the old worker answers one more request on each idle
  // keep-alive connection it holds, with the servers as it knew them (c1 draining there).
  assert.match((await get('/slow?ms=1', { agent: new HttpAgent() })).body, /^c1 /);
  sup = again;
});

test('the role polls, applies, and reports target health; a missing route is waited out', async () => {
  const a = assignment(groupsNow([target('a2'), target('a3')]), [], 'role-cursor');
  const reports: ReportTargetHealthRequest[] = [];
  let polls = 0;
  const abort = new AbortController();
  const role = new LoadBalancerRole({
    clock: systemClock, log, dataPlane: sup, healthIntervalMs: 200, resendMs: 60_000,
    client: {
      loadBalancers: async (since, _wait, signal) => {
        polls++;
        if (since !== a.cursor) return a;
        await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
        throw new ControlPlaneError(0, 'Aborted', 'aborted');
      },
      reportTargetHealth: async (req) => {
        reports.push(req);
      },
      reportLoadBalancerTraffic: async (req) => ({ accepted: req.samples.length }),
    },
  });
  const running = role.run(abort.signal);
  const until = Date.now() + 10_000;
  const done = (): boolean => polls >= 2 && reports.some((r) => r.targets.length > 0 && r.targets.every((t) => t.state === 'healthy'));
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  await running;
  const last = reports.at(-1)!;
  assert.equal(last.targets.length, 4, JSON.stringify(last));
  assert.ok(last.targets.every((t) => t.state === 'healthy'));
  assert.ok(polls >= 2);
  const unchanged = reports.filter((r, i) => i > 0 && JSON.stringify(r) === JSON.stringify(reports[i - 1]));
  assert.deepEqual(unchanged, [], 'an unchanged report is not sent again within 15 s');

  const quiet = new AbortController();
  let asked = 0;
  const idle = new LoadBalancerRole({
    clock: systemClock, log, dataPlane: sup, healthIntervalMs: 100,
    client: {
      loadBalancers: async () => {
        asked++;
        throw new ControlPlaneError(404, 'NotFound', 'no route');
      },
      reportTargetHealth: async () => assert.fail('nothing to report'),
      reportLoadBalancerTraffic: async () => assert.fail('nothing to report'),
    },
  });
  const r = idle.run(quiet.signal);
  await new Promise((res) => setTimeout(res, 500));
  quiet.abort();
  await r;
  assert.equal(asked, 1, 'a 404 is not asked again at once');
});

test('traffic reports count every request once across a reload; health checks and fixed responses are told apart', async () => {
  const before = assignment(groupsNow([target('a2'), target('a3')]), [], 'traffic-1');
  const reloaded = assignment(before.targetGroups, [extraRule], 'traffic-2');
  let current = before;
  let changed: () => void = () => undefined;
  const samples: LoadBalancerTrafficSample[] = [];
  const abort = new AbortController();
  const role = new LoadBalancerRole({
    clock: systemClock, log, dataPlane: sup, healthIntervalMs: 60_000, trafficIntervalMs: 300,
    client: {
      loadBalancers: async (since, _wait, signal) => {
        if (since !== current.cursor) return current;
        await new Promise<void>((r) => {
          changed = r;
          signal?.addEventListener('abort', () => r(), { once: true });
        });
        if (signal?.aborted) throw new ControlPlaneError(0, 'Aborted', 'aborted');
        return current;
      },
      reportTargetHealth: async () => undefined,
      reportLoadBalancerTraffic: async (req) => {
        samples.push(...req.samples);
        return { accepted: req.samples.length };
      },
    },
  });
  const fresh = (path: string): Promise<{ status: number; body: string }> => get(path, { agent: new HttpAgent() });
  const running = role.run(abort.signal);
  try {
    await new Promise((r) => setTimeout(r, 400));
    const worker = await sup.workerPid();
    for (let i = 0; i < 10; i++) assert.equal((await fresh('/x')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await fresh('/teapot')).status, 418);
    // A new rule: a reload, so a new worker whose counters start at zero.
    current = reloaded;
    changed();
    const until = Date.now() + 15_000;
    while ((await sup.workerPid().catch(() => worker)) === worker && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(await sup.workerPid(), worker, 'reloaded');
    for (let i = 0; i < 7; i++) assert.equal((await fresh('/x')).status, 200);
    assert.match((await fresh('/extra')).body, /^b1 /);
    // Health checks run every second meanwhile; none may count.
    await new Promise((r) => setTimeout(r, 1200));
  } finally {
    abort.abort();
    await running;
  }
  const total = (pick: (s: LoadBalancerTrafficSample) => number): number => samples.reduce((n, s) => n + pick(s), 0);
  const groupOf = (s: LoadBalancerTrafficSample, name: string) => s.targetGroups.find((g) => g.targetGroupArn === group(name, []).targetGroupArn);
  assert.ok(samples.length >= 3, `${samples.length} samples`);
  assert.equal(total((s) => s.loadBalancers[0]!.requests), 20, 'every request the listener received, once');
  assert.equal(total((s) => s.loadBalancers[0]!.fixedResponses), 2);
  assert.equal(total((s) => s.loadBalancers[0]!.http4xx), 2);
  assert.equal(total((s) => groupOf(s, 'a')?.requests ?? 0), 17);
  assert.equal(total((s) => groupOf(s, 'b')?.requests ?? 0), 1);
  assert.equal(total((s) => groupOf(s, 'c')?.requests ?? 0), 0, 'c1 answered health checks only');
  assert.equal(total((s) => (groupOf(s, 'a')?.targets ?? []).reduce((n, t) => n + t.http2xx, 0)), 17);
  const last = groupOf(samples.at(-1)!, 'a')!;
  assert.deepEqual([last.healthyTargets, last.unhealthyTargets, last.loadBalancerArns], [2, 0, ['arn:lb/test']]);
  assert.equal(role.traffic.queued.length, 0);
  assert.ok(samples.every((s, i) => i === 0 || s.at >= samples[i - 1]!.at), 'oldest first');
});

test('an agent process killed with SIGKILL leaves its listeners serving; the next one adopts them', async () => {
  const dir = join(WORK, 'killed');
  const runDir = join(RUN, 'killed');
  const port = await freePort();
  const a = assignment(groupsNow([target('a2')]));
  a.loadBalancers[0]!.listeners[0]!.port = port;
  const supervisorModule = fileURLToPath(new URL('../../src/agent/load-balancer/haproxy-supervisor.js', import.meta.url));
  const loggerModule = fileURLToPath(new URL('../../src/lib/logger.js', import.meta.url));
  const script = `
    const { HaproxySupervisor } = await import(${JSON.stringify(supervisorModule)});
    const { createLogger } = await import(${JSON.stringify(loggerModule)});
    const sup = new HaproxySupervisor({ dir: process.env.DIR, runDir: process.env.RUN_DIR, log: createLogger('warn') });
    await sup.apply(JSON.parse(process.env.ASSIGNMENT), Date.now());
    console.log('ready ' + sup.masterPid);
    setInterval(() => {}, 1000);`;
  const agent = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DIR: dir, RUN_DIR: runDir, ASSIGNMENT: JSON.stringify(a) }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const master = await new Promise<number>((resolve, reject) => {
    let out = '';
    agent.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    agent.on('exit', (code) => reject(new Error(`the agent process exited (${code}) before HAProxy was up`)));
  });
  pids.push(master);
  agent.kill('SIGKILL');
  await new Promise((r) => agent.once('exit', r));
  const served = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/after-kill', agent: new HttpAgent() }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
  assert.match(served, /^a2 \/after-kill/);
  const next = new HaproxySupervisor({ dir, runDir, log });
  assert.ok(next.adopt());
  assert.equal(next.masterPid, master);
  assert.equal(await next.apply(a, Date.now()), 'unchanged');
  await next.stop({ graceful: false });
  assert.ok(!existsSync(`/proc/${master}`) || /\) Z /.test(readStat(master)));
});

test('stopping removes HAProxy (master and workers) and its files', async () => {
  const master = sup.masterPid!;
  const worker = (await sup.workerPid())!;
  await sup.stop({ graceful: false });
  for (const pid of [master, worker]) assert.ok(!existsSync(`/proc/${pid}`) || /\) Z /.test(readStat(pid)), `pid ${pid} still runs`);
  assert.deepEqual(readdirSync(WORK).filter((f) => f !== 'killed'), []);
  assert.deepEqual(readdirSync(RUN).filter((f) => f !== 'killed'), []);
  assert.deepEqual(readdirSync(join(WORK, 'killed')), []);
  assert.deepEqual(readdirSync(join(RUN, 'killed')), []);
});

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return ') Z ';
  }
}
