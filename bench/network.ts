/**
 * Network benchmark (issue 4), on real namespaces, veths, a bridge and nftables, as root. Needs
 * iproute2, nftables and node; traffic stays between namespaces this run makes and the host.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/network.js [--iterations 50] [--others 0,50,200] [--json out.json]
 *
 * 1. Setup + teardown of one task's ENI, Pier (VpcTaskNetwork.create + destroy: namespace, veth on
 *    the VPC bridge, MAC, address, route, the task's nftables rules loaded before create returns and
 *    pruned behind destroy, untimed but awaited before the script's turn) against a
 *    bash script doing the same `ip netns` + veth + address + route steps (no firewall), interleaved
 *    launch by launch; with 0, 50 and 200 other tasks attached (their rules in the same tables).
 *    Goal: Pier ≤ 1.2× the script.
 * 2. TCP between two tasks of one VPC: throughput (one connection, 3 s) and request latency (a new
 *    connection per HTTP request, so every request is a new flow through the rules) with no Pier
 *    ruleset loaded at all, with the server's group admitting the client by one rule, and with
 *    200 rules (199 that do not match, then the one that does). Goal: 200 rules ≥ 0.9× no rules.
 * 3. The task metadata endpoint: requests/s from inside a task (16 keep-alive clients, 5 s)
 *    through the 169.254.170.2 DNAT to the agent's server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCommand, runCommandOk } from '../src/agent/host/exec.js';
import { deleteNetns, listNetns } from '../src/agent/host/netns.js';
import { TaskEndpointServer } from '../src/agent/endpoint/endpoint-server.js';
import type { TaskView } from '../src/agent/endpoint/task-metadata.js';
import { VpcTaskNetwork } from '../src/agent/network/vpc-task-network.js';
import type { EniAssignment, NetworkPolicy, NetworkRule } from '../src/protocol/agent.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { fmtMs, markdownTable, percentile } from './lib/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const PEER = join(here, 'lib', 'net-peer.js');
const inst = randomBytes(4).toString('hex');
const octet = 200 + Math.floor(Math.random() * 50);
const VPC = { vpcId: `vpc-${inst}`, vpcCidr: `10.${octet}.0.0/16`, subnetId: `subnet-${inst}`, subnetCidr: `10.${octet}.0.0/22` };
const ALL_OUT: NetworkRule[] = [{ protocol: '-1', cidr: '0.0.0.0/0' }];
const log = (m: string): void => console.error(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

let net: VpcTaskNetwork;
let seq = 0;

function taskId(): string {
  return `${inst}${String(++seq).padStart(24, '0')}`;
}

function ipOf(n: number): string {
  return `10.${octet}.${Math.floor(n / 250)}.${(n % 250) + 4}`;
}

function eni(n: number, groups: string[]): EniAssignment {
  return {
    networkInterfaceId: `eni-${inst}${n}`, ...VPC, privateIpv4Address: ipOf(n),
    macAddress: `02:44:${(n >> 16).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}:01`,
    securityGroupIds: groups, assignPublicIp: false,
  };
}

const summary = (xs: number[]): { p50: number; p90: number; p99: number } => {
  const s = Float64Array.from(xs).sort();
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99) };
};

// ---- 1. setup and teardown

const SCRIPT_UP = `set -e
ip netns add "$NS"
ip link add "$H" type veth peer name eth0 netns "$NS"
ip link set "$H" master "$BR" up
ip -n "$NS" link set lo up
ip -n "$NS" link set eth0 address "$MAC"
ip -n "$NS" addr add "$ADDR" dev eth0
ip -n "$NS" link set eth0 up
ip -n "$NS" route add default via "$GW" dev eth0`;
const SCRIPT_DOWN = 'ip netns del "$NS"';

const POLICY: NetworkPolicy = { securityGroups: [{ groupId: 'sg-0be1', ingress: [], egress: ALL_OUT }], members: {} };

/** The ruleset load alone, with what is attached now: whole (start-up, recovery) against one change (a member joining or leaving a group). */
async function rulesetLoads(rounds: number): Promise<{ whole: number[]; change: number[] }> {
  const named = (members: string[]): NetworkPolicy => ({
    securityGroups: [{ groupId: 'sg-0be1', ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, groupId: 'sg-0be1' }], egress: ALL_OUT }], members: { 'sg-0be1': members },
  });
  await net.setPolicy(named([]));
  const r = { whole: [] as number[], change: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await net.apply();
    r.whole.push(performance.now() - t);
    t = performance.now();
    await net.setPolicy(named(i % 2 ? [] : [ipOf(999)]));
    r.change.push(performance.now() - t);
  }
  await net.setPolicy(POLICY);
  return r;
}

async function setupTeardown(iterations: number, background: number): Promise<{ times: Record<string, number[]>; loads: { whole: number; changes: number } }> {
  const others: string[] = [];
  for (let i = 0; i < background; i++) {
    const id = taskId();
    await net.create(id, eni(100 + i, ['sg-0be1']));
    others.push(id);
  }
  const r: Record<string, number[]> = { pierUp: [], pierDown: [], pierTotal: [], scriptUp: [], scriptDown: [], scriptTotal: [] };
  const bridge = net.bridgeFor(VPC.vpcId);
  const loadsBefore = { ...net.loads };
  for (let i = 0; i < iterations + 1; i++) {
    const id = taskId();
    const t0 = performance.now();
    await net.create(id, eni(10, ['sg-0be1']));
    const t1 = performance.now();
    await net.destroy(id);
    const t2 = performance.now();
    await net.settled(); // the rules pruned behind destroy must not slow the script's turn
    const env = {
      ...process.env, NS: `pb${inst}-s${i}`, H: `pb${inst.slice(0, 6)}s${i}`.slice(0, 15), BR: bridge,
      MAC: '02:45:00:00:00:0b', ADDR: `${ipOf(11)}/22`, GW: `10.${octet}.0.1`,
    };
    const s0 = performance.now();
    await runCommandOk(['bash', '-c', SCRIPT_UP], { env });
    const s1 = performance.now();
    await runCommandOk(['bash', '-c', SCRIPT_DOWN], { env });
    const s2 = performance.now();
    if (i === 0) continue; // warm-up
    r.pierUp!.push(t1 - t0); r.pierDown!.push(t2 - t1); r.pierTotal!.push(t2 - t0);
    r.scriptUp!.push(s1 - s0); r.scriptDown!.push(s2 - s1); r.scriptTotal!.push(s2 - s0);
  }
  const loads = { whole: net.loads.whole - loadsBefore.whole, changes: net.loads.changes - loadsBefore.changes };
  const rules = await rulesetLoads(20);
  r.rulesWhole = rules.whole;
  r.rulesChange = rules.change;
  for (const id of others) await net.destroy(id);
  return { times: r, loads };
}

// ---- 2. TCP between two tasks

function peer(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, PEER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function peerResult<T>(ns: string, args: string[]): Promise<T> {
  const r = await runCommand(['ip', 'netns', 'exec', ns, process.execPath, PEER, ...args], { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`net-peer ${args.join(' ')}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

async function loadPolicy(kind: 'none' | 'one' | 'many', server: string, client: string, members: Record<string, string[]>): Promise<void> {
  if (kind === 'none') {
    for (const fam of ['inet', 'bridge']) await runCommand(['nft', 'delete', 'table', fam, net.table]);
    return;
  }
  const admit: NetworkRule = { protocol: 'tcp', fromPort: 5000, toPort: 5001, groupId: client };
  const filler: NetworkRule[] = kind === 'many'
    ? Array.from({ length: 199 }, (_, i) => ({ protocol: 'tcp', fromPort: 10_000 + i, toPort: 10_000 + i, cidr: `10.${octet}.200.${i}/32` }))
    : [];
  const policy: NetworkPolicy = {
    securityGroups: [{ groupId: server, ingress: [...filler, admit], egress: ALL_OUT }, { groupId: client, ingress: [], egress: ALL_OUT }],
    members,
  };
  await net.setPolicy(policy);
  await net.apply(); // also when the policy is unchanged but the tables were deleted
}

// ---- main

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '50' }, others: { type: 'string', default: '0,50,200' }, json: { type: 'string' } } });
  const iterations = Number(values.iterations);
  const backgrounds = values.others.split(',').map(Number);
  if (process.getuid?.() !== 0) throw new Error('the network benchmark needs root');
  const work = mkdtempSync(join(tmpdir(), 'pier-bench-net-'));
  net = new VpcTaskNetwork({ instance: inst, netnsPrefix: `pb${inst}-`, stateDir: join(work, 'network') });
  const servers: ChildProcess[] = [];
  const endpoint = new TaskEndpointServer({ taskByAddress: (ip) => views.get(ip) });
  const views = new Map<string, TaskView>();
  const machine = machineInfo();
  const result: Record<string, unknown> = { machine };
  console.log(`machine: ${describeMachine(machine)}`);
  try {
    await net.setPolicy(POLICY);
    const anchor = taskId();
    await net.create(anchor, eni(1, ['sg-0be1'])); // the bridge exists before the clock starts

    // 1.
    const setup: Record<string, Awaited<ReturnType<typeof setupTeardown>>> = {};
    for (const background of backgrounds) {
      log(`setup/teardown: ${iterations} iterations with ${background} other tasks attached`);
      setup[background] = await setupTeardown(iterations, background);
    }
    console.log(`\n### 1. ENI setup + teardown per task (${iterations} each, interleaved; ms)`);
    const rows: string[][] = [];
    for (const [bg, { times: r, loads }] of Object.entries(setup)) {
      for (const [label, key] of [['Pier: create (netns, veth, address, route, ruleset)', 'pierUp'], ['Pier: destroy', 'pierDown'], ['Pier: total', 'pierTotal'],
        ['script: up (ip netns + veth + address + route)', 'scriptUp'], ['script: down (ip netns del)', 'scriptDown'], ['script: total', 'scriptTotal']] as const) {
        const s = summary(r[key]!);
        rows.push([`${bg} other tasks`, label, fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.p99)]);
      }
      const ratio = summary(r.pierTotal!).p50 / summary(r.scriptTotal!).p50;
      rows.push([`${bg} other tasks`, `**Pier / script at p50: ${ratio.toFixed(2)}×** (goal ≤ 1.2×: ${ratio <= 1.2 ? 'met' : 'NOT met'})`, '', '', '']);
      rows.push([`${bg} other tasks`, `ruleset loads in the loop above: ${loads.changes} incremental, ${loads.whole} whole`, '', '', '']);
      for (const [label, key] of [['ruleset load alone, whole (start-up, recovery; 20)', 'rulesWhole'], ['ruleset load alone, one change (a group member; 20)', 'rulesChange']] as const) {
        const s = summary(r[key]!);
        rows.push([`${bg} other tasks`, label, fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.p99)]);
      }
    }
    console.log(markdownTable(['attached', 'what', 'p50', 'p90', 'p99'], rows, new Set([2, 3, 4])));
    result.setup = setup;

    // 2.
    const server = taskId();
    const client = taskId();
    await net.create(server, eni(20, ['sg-05e7']));
    await net.create(client, eni(21, ['sg-0c11']));
    const members = { 'sg-05e7': [ipOf(20)], 'sg-0c11': [ipOf(21)] };
    const sNs = `pb${inst}-${server}`;
    const cNs = `pb${inst}-${client}`;
    const srv = peer(sNs, ['serve', '5000']);
    servers.push(srv);
    await new Promise<void>((resolve, reject) => {
      srv.stdout!.once('data', () => resolve());
      srv.once('exit', () => reject(new Error('the server peer exited')));
    });
    const variants = ['none', 'one', 'many'] as const;
    const tcp: Record<string, { mbps: number[]; latency: number[] }> = { none: { mbps: [], latency: [] }, one: { mbps: [], latency: [] }, many: { mbps: [], latency: [] } };
    for (let round = 0; round < 3; round++) {
      for (const v of variants) {
        log(`tcp round ${round + 1}/3: ${v}`);
        await loadPolicy(v, 'sg-05e7', 'sg-0c11', members);
        const t = await peerResult<{ bytes: number; seconds: number }>(cNs, ['throughput', ipOf(20), '5000', '3']);
        tcp[v]!.mbps.push((t.bytes * 8) / t.seconds / 1e6);
        const l = await peerResult<{ samples: number[] }>(cNs, ['latency', ipOf(20), '5001', '300']);
        tcp[v]!.latency.push(...l.samples);
      }
    }
    await net.apply(); // the real ruleset back
    const label = { none: 'no Pier ruleset at all', one: 'server group admits the client (1 rule)', many: '200 rules (199 not matching, then the match)' };
    console.log('\n### 2. TCP between two tasks of one VPC (3 rounds, variants interleaved)');
    const base = tcp.none!;
    console.log(markdownTable(['rules', 'throughput Mbit/s (median of 3)', 'vs none', 'request p50 ms', 'p99 ms', 'p50 vs none'],
      variants.map((v) => {
        const m = summary(tcp[v]!.mbps).p50;
        const l = summary(tcp[v]!.latency);
        return [label[v], m.toFixed(0), `${(m / summary(base.mbps).p50).toFixed(2)}×`, fmtMs(l.p50), fmtMs(l.p99), `${(summary(base.latency).p50 / l.p50).toFixed(2)}×`];
      }), new Set([1, 2, 3, 4, 5])));
    result.tcp = tcp;

    // 3.
    const target = await endpoint.listen();
    await net.setMetadataTarget(target);
    const view = { state: { taskArn: `arn:aws:ecs:us-east-1:000000000000:task/bench/${client}`, taskId: client, phase: 'running', reported: 'RUNNING', startedAtMs: Date.now(),
      assignment: { taskArn: `arn:aws:ecs:us-east-1:000000000000:task/bench/${client}`, taskId: client, clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/bench', desiredStatus: 'RUNNING', lastStatus: 'RUNNING', version: 1, overrides: {}, size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 }, eni: eni(21, ['sg-0c11']), taskDefinition: { family: 'bench', revision: 1, containerDefinitions: [{ name: 'app', image: 'busybox' }] } },
      containers: [{ name: 'app', runtimeId: `${client}-0`, dir: '/nonexistent', phase: 'running', essential: true, restartCount: 0 }] }, health: new Map() } as unknown as TaskView;
    views.set(ipOf(21), view);
    log('metadata endpoint: 16 clients, 5 s');
    const md = await peerResult<{ requests: number; seconds: number }>(cNs, ['metadata', `http://169.254.170.2/v4/${client}-0`, '16', '5']);
    const mdTask = await peerResult<{ requests: number; seconds: number }>(cNs, ['metadata', `http://169.254.170.2/v4/${client}-0/task`, '16', '5']);
    console.log('\n### 3. Task metadata endpoint, from inside a task (16 keep-alive clients, 5 s)');
    console.log(markdownTable(['path', 'requests/s'], [
      ['${ECS_CONTAINER_METADATA_URI_V4}', (md.requests / md.seconds).toFixed(0)],
      ['${ECS_CONTAINER_METADATA_URI_V4}/task', (mdTask.requests / mdTask.seconds).toFixed(0)],
    ], new Set([1])));
    result.metadata = { container: md, task: mdTask };
    if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
  } finally {
    for (const s of servers) if (s.pid) s.kill('SIGKILL');
    await endpoint.close();
    for (const id of await net.list()) await net.destroy(id).catch(() => undefined);
    await net.removeAll();
    for (const ns of listNetns(`pb${inst}-s`)) await deleteNetns(ns);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
