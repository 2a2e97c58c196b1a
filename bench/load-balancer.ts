/**
 * Load balancer benchmark (issue 6): requests/s and p99 through a Pier listener (the agent's
 * renderer and HAProxy supervisor, applying a LoadBalancingAssignment as the control plane sends
 * it) to 3 backends, against HAProxy configured by hand in front of the same 3 backends, in the
 * same run, interleaved round by round. Goal: Pier ≥ 0.9× the hand-written configuration.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/load-balancer.js [--rounds 8] [--seconds 3] [--concurrency 32] [--rules] [--json out.json]
 *
 * On a shared machine requests/s swings with what else runs, so besides the medians of the rounds
 * it reports each proxy's CPU time per request (user + system of its worker over the round, from
 * /proc), which does not depend on how much CPU the proxy happened to get.
 *
 * As root. The backends are small node HTTP servers (keep-alive), each in a network namespace this
 * run makes, reached over its own veth pair with a /30 inside 10.0.0.0/8 no host route uses. The
 * load generator is `ab -k` (apache2-utils) on 127.0.0.1; both listeners bind on 127.0.0.1.
 * Everything (namespaces, veths, servers, both HAProxy processes, files) is removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchDetached, runCommand, runCommandOk } from '../src/agent/host/exec.js';
import { HaproxySupervisor } from '../src/agent/load-balancer/haproxy-supervisor.js';
import { createLogger } from '../src/lib/logger.js';
import type { LoadBalancingAssignment } from '../src/protocol/load-balancing.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { markdownTable } from './lib/stats.js';
import { freePort } from '../test/helpers/free-port.js';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '8' }, seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '32' }, rules: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const inst = randomBytes(3).toString('hex');
const octet = 200 + Math.floor(Math.random() * 50);
const log = (m: string): void => console.error(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

const BACKEND = `
const body = Buffer.alloc(512, 'x');
require('http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
}).listen(8080, '0.0.0.0');
`;

interface Backend { ns: string; hostIf: string; ip: string; proc: ChildProcess }

async function startBackend(i: number): Promise<Backend> {
  const ns = `lbb${inst}${i}`;
  const hostIf = `lbh${inst}${i}`;
  const hostIp = `10.${octet}.${i}.1`;
  const ip = `10.${octet}.${i}.2`;
  await runCommandOk(['ip', 'netns', 'add', ns]);
  await runCommandOk(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await runCommandOk(['ip', 'addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
  await runCommandOk(['ip', 'link', 'set', hostIf, 'up']);
  await runCommandOk(['ip', '-n', ns, 'addr', 'add', `${ip}/30`, 'dev', 'eth0']);
  await runCommandOk(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await runCommandOk(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--max-old-space-size=64', '-e', BACKEND], { stdio: 'ignore' });
  return { ns, hostIf, ip, proc };
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

function pierAssignment(port: number, backends: Backend[]): LoadBalancingAssignment {
  const tg = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bench/0123456789abcdef';
  const other = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other/0123456789abcdef';
  return {
    cursor: 'bench',
    loadBalancers: [{
      loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bench/0123456789abcdef', name: 'bench', bindAddress: '127.0.0.1',
      listeners: [{
        listenerArn: 'arn:listener/bench', port, protocol: 'HTTP',
        defaultAction: { type: 'forward', targetGroups: [{ targetGroupArn: tg, weight: 1 }] },
        // The hand-written configuration's routing: everything to one group. --rules adds two rules
        // that do not match, as a listener with a couple of services in front would have.
        rules: args.rules ? [
          { ruleArn: 'r1', priority: 1, pathPatterns: ['/api/*'], action: { type: 'forward', targetGroups: [{ targetGroupArn: other, weight: 1 }] } },
          { ruleArn: 'r2', priority: 2, hostHeaders: ['admin.*'], action: { type: 'fixed-response', statusCode: 403 } },
        ] : [],
      }],
    }],
    targetGroups: [tg, other].map((arn, i) => ({
      targetGroupArn: arn, name: i === 0 ? 'bench' : 'other', protocol: 'HTTP' as const, port: 8080, deregistrationDelaySeconds: 300,
      healthCheck: { enabled: true, protocol: 'HTTP' as const, port: 'traffic-port' as const, path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200' },
      targets: i === 0 ? backends.map((b) => ({ id: b.ip, port: 8080 })) : [],
    })),
  };
}

function handConfig(port: number, backends: Backend[]): string {
  return `global
    log stderr format raw local0 emerg
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend hand
    bind 127.0.0.1:${port}
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /
${backends.map((b, i) => `    server s${i} ${b.ip}:8080 check inter 30s`).join('\n')}
`;
}

interface AbResult { rps: number; p50: number; p99: number; failed: number; non2xx: number; complete: number; cpuUsPerRequest: number }

/** User + system CPU of a process so far, in µs (clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

async function ab(port: number, seconds: number, pid: number): Promise<AbResult> {
  const cpu0 = cpuUs(pid);
  const r = await runCommand(['ab', '-q', '-k', '-c', String(CONCURRENCY), '-t', String(seconds), '-n', '100000000', '-s', '10', `http://127.0.0.1:${port}/`], { timeoutMs: (seconds + 30) * 1000 });
  const num = (re: RegExp): number => Number(re.exec(r.stdout)?.[1] ?? NaN);
  const res = {
    rps: num(/Requests per second:\s+([\d.]+)/), p50: num(/^\s+50%\s+(\d+)/m), p99: num(/^\s+99%\s+(\d+)/m),
    failed: num(/Failed requests:\s+(\d+)/), non2xx: /Non-2xx responses:\s+(\d+)/.test(r.stdout) ? num(/Non-2xx responses:\s+(\d+)/) : 0, complete: num(/Complete requests:\s+(\d+)/),
    cpuUsPerRequest: 0,
  };
  res.cpuUsPerRequest = (cpuUs(pid) - cpu0) / res.complete;
  if (Number.isNaN(res.rps)) throw new Error(`ab failed: ${r.stderr || r.stdout}`);
  return res;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  const work = mkdtempSync(join(tmpdir(), 'pier-lb-bench-'));
  const runDir = mkdtempSync('/run/pier-lb-bench-');
  const backends: Backend[] = [];
  const sup = new HaproxySupervisor({ dir: join(work, 'pier'), runDir, log: createLogger('warn') });
  let handMaster: number | undefined;
  try {
    for (let i = 1; i <= 3; i++) backends.push(await startBackend(i));
    for (const b of backends) await waitHttp(`http://${b.ip}:8080/`);
    const pierPort = await freePort();
    const handPort = await freePort();
    log(`backends up; Pier listener on ${pierPort}, hand-written HAProxy on ${handPort}`);
    await sup.apply(pierAssignment(pierPort, backends), Date.now());
    writeFileSync(join(work, 'hand.cfg'), handConfig(handPort, backends));
    // Started the way the supervisor starts Pier's (master-worker, its own session): with autogroup
    // scheduling a session is a scheduling group, so starting one differently skews the comparison.
    handMaster = await launchDetached(['haproxy', '-W', '-f', join(work, 'hand.cfg')], { stdoutFile: join(work, 'hand.log'), stderrFile: join(work, 'hand.log') });
    await waitHttp(`http://127.0.0.1:${pierPort}/`);
    await waitHttp(`http://127.0.0.1:${handPort}/`);
    const pierWorker = (await sup.workerPid())!;
    const handPid = Number(readFileSync(`/proc/${handMaster}/task/${handMaster}/children`, 'utf8').trim().split(' ')[0]);
    // Warm-up (backends' JIT, connection pools): round 1 came out low for whichever ran first with 1 s.
    await ab(pierPort, 3, pierWorker);
    await ab(handPort, 3, handPid);
    const results: { pier: AbResult[]; hand: AbResult[] } = { pier: [], hand: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which goes first, so neither always runs in the other's wake.
      const order = round % 2 === 1 ? (['pier', 'hand'] as const) : (['hand', 'pier'] as const);
      for (const which of order) {
        const r = await ab(which === 'pier' ? pierPort : handPort, SECONDS, which === 'pier' ? pierWorker : handPid);
        results[which].push(r);
        log(`round ${round} ${which}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request, ${r.failed} failed, ${r.non2xx} non-2xx`);
      }
    }
    const summary = (rs: AbResult[]) => ({
      rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), cpu: median(rs.map((r) => r.cpuUsPerRequest)),
      failed: rs.reduce((n, r) => n + r.failed + r.non2xx, 0), requests: rs.reduce((n, r) => n + r.complete, 0),
    });
    const p = summary(results.pier);
    const h = summary(results.hand);
    console.log(describeMachine(machineInfo()));
    console.log(`${ROUNDS} rounds × ${SECONDS} s each side, ab -k -c ${CONCURRENCY}, 3 node backends in namespaces, 512-byte bodies (medians of the rounds)\n`);
    const ratios = results.pier.map((r, i) => r.rps / results.hand[i]!.rps);
    console.log(markdownTable(['', 'requests/s', 'p50 ms', 'p99 ms', 'CPU µs/request', 'failed'], [
      ['HAProxy configured by hand', Math.round(h.rps).toLocaleString('en-US'), String(h.p50), String(h.p99), h.cpu.toFixed(1), `${h.failed}/${h.requests}`],
      ['Pier listener (rendered config)', Math.round(p.rps).toLocaleString('en-US'), String(p.p50), String(p.p99), p.cpu.toFixed(1), `${p.failed}/${p.requests}`],
    ], new Set([1, 2, 3, 4])));
    const ratio = median(ratios);
    console.log(`\nPier / hand-written requests/s, median of the rounds' ratios: ${ratio.toFixed(2)}× (rounds: ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
    console.log(`CPU per request, hand-written / Pier: ${(h.cpu / p.cpu).toFixed(2)}×`);
    console.log(`Goal (Pier ≥ 0.9× hand-written requests/s): ${ratio >= 0.9 ? 'met' : 'NOT met'}`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machineInfo(), rounds: ROUNDS, seconds: SECONDS, concurrency: CONCURRENCY, results }, null, 2));
  } finally {
    if (handMaster !== undefined) process.kill(handMaster, 'SIGTERM');
    await sup.stop({ graceful: false });
    for (const b of backends) {
      b.proc.kill('SIGKILL');
      await runCommand(['ip', 'netns', 'del', b.ns]);
      await runCommand(['ip', 'link', 'del', b.hostIf]); // gone with its peer already, normally
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
