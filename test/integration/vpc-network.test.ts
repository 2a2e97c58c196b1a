/**
 * The VPC data plane on real kernel networking (as root): namespaces, veths on a bridge per VPC,
 * security groups in nftables. Each "task" is a network namespace with busybox httpd listening on
 * 8080; clients are busybox wget inside other namespaces or on the host. Traffic stays between
 * the host and namespaces this test made, on CIDRs inside 10.0.0.0/8 no host route uses.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listNetns } from '../../src/agent/host/netns.js';
import { linkExists, linksWithPrefix } from '../../src/agent/network/vpc-links.js';
import { runCommand } from '../../src/agent/host/exec.js';
import { TaskEndpointServer } from '../../src/agent/endpoint/endpoint-server.js';
import type { TaskView } from '../../src/agent/endpoint/task-metadata.js';
import { METADATA_ADDRESS } from '../../src/agent/network/nft-ruleset.js';
import { VpcTaskNetwork } from '../../src/agent/network/vpc-task-network.js';
import type { EniAssignment, NetworkPolicy, NetworkRule } from '../../src/protocol/agent.js';

const inst = randomBytes(4).toString('hex');
const octet = 200 + Math.floor(Math.random() * 50);
const VPC_A = { vpcId: `vpc-${inst}a`, vpcCidr: `10.${octet}.0.0/17`, subnetId: `subnet-${inst}a`, subnetCidr: `10.${octet}.1.0/24` };
const VPC_A2 = { ...VPC_A, subnetId: `subnet-${inst}c`, subnetCidr: `10.${octet}.2.0/24` };
const VPC_B = { vpcId: `vpc-${inst}b`, vpcCidr: `10.${octet}.128.0/17`, subnetId: `subnet-${inst}b`, subnetCidr: `10.${octet}.129.0/24` };

let WORK = '';
let net: VpcTaskNetwork;
const servers: ChildProcess[] = [];
let taskSeq = 0;

interface Task { id: string; ns: string; ip: string }

function eni(vpc: typeof VPC_A, ip: string, groups: string[]): EniAssignment {
  const n = ip.split('.').at(-1)!.padStart(2, '0').slice(-2);
  return { networkInterfaceId: `eni-${inst}${n}`, ...vpc, privateIpv4Address: ip, macAddress: `02:42:${octet.toString(16)}:00:01:${Number(n).toString(16).padStart(2, '0')}`, securityGroupIds: groups, assignPublicIp: false };
}

async function task(vpc: typeof VPC_A, host: number, groups: string[]): Promise<Task> {
  const id = `${inst}${String(++taskSeq).padStart(24, '0')}`;
  const ip = `${vpc.subnetCidr.split('.').slice(0, 3).join('.')}.${host}`;
  await net.create(id, eni(vpc, ip, groups));
  const www = join(WORK, 'www', id);
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), `hello from ${ip}\n`);
  const ns = `pt${inst}-${id}`;
  const httpd = spawn('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
  servers.push(httpd);
  return { id, ns, ip };
}

/** GET http://ip:8080/ from inside a namespace (or from the host): the body, or undefined when nothing got through in time. */
function get(from: Task | 'host', ip: string): string | undefined {
  // Not wget's own -T: this busybox build crashes with it.
  const wget = ['timeout', '1.5', 'busybox', 'wget', '-q', '-O', '-', `http://${ip}:8080/index.html`];
  const argv = from === 'host' ? wget : ['ip', 'netns', 'exec', from.ns, ...wget];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 5_000 });
    if (r.status === 0) return r.stdout;
    if (!/refused/i.test(r.stderr)) return undefined; // timed out: filtered
    spawnSync('sleep', ['0.2']); // httpd not listening yet
  }
  return undefined;
}

const rule = (r: NetworkRule): NetworkRule => r;
const ALL_OUT = [rule({ protocol: '-1', cidr: '0.0.0.0/0' })];

describe('VPC data plane: bridges, veths, security groups in nftables', () => {
  before(() => {
    WORK = mkdtempSync(join(tmpdir(), 'pier-vpc-'));
    net = new VpcTaskNetwork({ instance: inst, netnsPrefix: `pt${inst}-`, stateDir: join(WORK, 'network') });
  });

  after(async () => {
    for (const s of servers) if (s.pid) s.kill('SIGKILL');
    for (const id of await net.list()) await net.destroy(id);
    await net.removeAll();
    rmSync(WORK, { recursive: true, force: true });
  });

  test('two tasks in a group that admits itself talk over TCP; the host reaches them at their private address', async () => {
    await net.setPolicy({ securityGroups: [{ groupId: 'sg-5e1f', ingress: [rule({ protocol: '-1', groupId: 'sg-5e1f' })], egress: ALL_OUT }], members: {} });
    const a = await task(VPC_A, 10, ['sg-5e1f']);
    const b = await task(VPC_A, 11, ['sg-5e1f']);
    await net.setPolicy({ securityGroups: [{ groupId: 'sg-5e1f', ingress: [rule({ protocol: '-1', groupId: 'sg-5e1f' })], egress: ALL_OUT }], members: { 'sg-5e1f': [a.ip, b.ip] } });
    assert.equal(get(a, b.ip), `hello from ${b.ip}\n`);
    assert.equal(get(b, a.ip), `hello from ${a.ip}\n`);
    assert.equal(get('host', a.ip), `hello from ${a.ip}\n`);
    const inNs = spawnSync('ip', ['-n', a.ns, '-o', '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).stdout;
    assert.match(inNs, new RegExp(`inet ${a.ip.replace(/\./g, '\\.')}/24`));
  });

  test('a group without the ingress rule blocks the connection; authorising it opens it, revoking closes it', async () => {
    const web = 'sg-3eb0';
    const client = 'sg-c11e';
    const policy = (ingress: NetworkRule[]): NetworkPolicy => ({
      securityGroups: [{ groupId: web, ingress, egress: ALL_OUT }, { groupId: client, ingress: [], egress: ALL_OUT }], members: {},
    });
    await net.setPolicy(policy([]));
    const server = await task(VPC_A, 20, [web]);
    const caller = await task(VPC_A, 21, [client]);
    assert.equal(get(caller, server.ip), undefined, 'no ingress rule: nothing gets in');
    await net.setPolicy(policy([rule({ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidr: VPC_A.vpcCidr })]));
    assert.equal(get(caller, server.ip), `hello from ${server.ip}\n`, 'tcp 8080 from the VPC CIDR');
    await net.setPolicy(policy([rule({ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: VPC_A.vpcCidr })]));
    assert.equal(get(caller, server.ip), undefined, 'another port only');
    assert.equal(get(server, caller.ip), undefined, 'the client group admits nobody');
  });

  test('a rule by source security group admits its members only, across subnets of the VPC', async () => {
    const db = 'sg-0db0';
    const app = 'sg-0a99';
    const other = 'sg-0e1e';
    const groups = [
      { groupId: db, ingress: [rule({ protocol: 'tcp', fromPort: 8000, toPort: 8100, groupId: app })], egress: ALL_OUT },
      { groupId: app, ingress: [], egress: ALL_OUT },
      { groupId: other, ingress: [], egress: ALL_OUT },
    ];
    await net.setPolicy({ securityGroups: groups, members: {} });
    const server = await task(VPC_A, 30, [db]);
    const member = await task(VPC_A2, 31, [app]);
    const stranger = await task(VPC_A, 32, [other]);
    await net.setPolicy({ securityGroups: groups, members: { [app]: [member.ip], [db]: [server.ip], [other]: [stranger.ip] } });
    assert.equal(get(member, server.ip), `hello from ${server.ip}\n`, 'a member of the source group, in another subnet');
    assert.equal(get(stranger, server.ip), undefined, 'not a member');
  });

  test('tasks in two VPCs cannot reach each other, even when both groups admit everything', async () => {
    const open = 'sg-0be7';
    const groups = [{ groupId: open, ingress: [rule({ protocol: '-1', cidr: '0.0.0.0/0' })], egress: ALL_OUT }];
    await net.setPolicy({ securityGroups: groups, members: {} });
    const a = await task(VPC_A, 40, [open]);
    const b = await task(VPC_B, 40, [open]);
    const a2 = await task(VPC_A, 41, [open]);
    assert.equal(get(a2, a.ip), `hello from ${a.ip}\n`, 'same VPC: open');
    assert.equal(get(a, b.ip), undefined, 'VPC A to VPC B');
    assert.equal(get(b, a.ip), undefined, 'VPC B to VPC A');
    assert.notEqual(net.bridgeFor(VPC_A.vpcId), net.bridgeFor(VPC_B.vpcId));
  });

  test('a restarted agent loads its rules whole once, then only changes; traffic keeps flowing; a veth no record names goes', async () => {
    const open = 'sg-0be7';
    await net.setPolicy({ securityGroups: [{ groupId: open, ingress: [rule({ protocol: '-1', cidr: '0.0.0.0/0' })], egress: ALL_OUT }], members: {} });
    const a = await task(VPC_A, 60, [open]);
    const b = await task(VPC_A, 61, [open]);
    assert.ok(net.loads.changes >= 2, 'tasks joining a populated VPC load only their change');
    const stray = `p${inst.slice(0, 6)}e${'f'.repeat(7)}`;
    spawnSync('ip', ['link', 'add', stray, 'type', 'veth', 'peer', 'name', `p${inst.slice(0, 6)}y`]);
    assert.ok(linkExists(stray));
    // As after SIGKILL: a new process with the same state directory and whatever the kernel holds.
    await net.settled();
    net = new VpcTaskNetwork({ instance: inst, netnsPrefix: `pt${inst}-`, stateDir: join(WORK, 'network') });
    await net.apply();
    assert.deepEqual(net.loads, { whole: 1, changes: 0 });
    assert.equal(linkExists(stray), false, 'the stray veth is gone');
    assert.equal(get(a, b.ip), `hello from ${b.ip}\n`);
    const c = await task(VPC_A, 62, [open]);
    assert.deepEqual(net.loads, { whole: 1, changes: 1 });
    assert.equal(get(c, a.ip), `hello from ${a.ip}\n`);
    assert.equal(get(a, c.ip), `hello from ${c.ip}\n`);
  });

  test('destroy removes the task\'s namespace and veth, and the bridge with its last task; the rules go with them', async () => {
    const groups = [{ groupId: 'sg-0d1e', ingress: [], egress: ALL_OUT }];
    await net.setPolicy({ securityGroups: groups, members: {} });
    const lone = await task(VPC_B, 50, ['sg-0d1e']);
    const before = spawnSync('nft', ['list', 'table', 'inet', net.table], { encoding: 'utf8' }).stdout;
    assert.match(before, new RegExp(`chain in_${lone.id}`));
    for (const id of await net.list()) await net.destroy(id);
    await net.settled();
    assert.deepEqual(listNetns(`pt${inst}-`), []);
    assert.deepEqual(linksWithPrefix(`p${inst.slice(0, 6)}`), [], 'no veth or bridge of this agent is left');
    const afterAll = spawnSync('nft', ['list', 'table', 'inet', net.table], { encoding: 'utf8' });
    assert.notEqual(afterAll.status, 0, 'no table once nothing is attached');
    assert.equal(existsSync(join(WORK, 'network', `${lone.id}.json`)), false);
  });
});

describe('the task metadata endpoint at 169.254.170.2', () => {
  let endpointNet: VpcTaskNetwork;
  let server: TaskEndpointServer;
  const views = new Map<string, TaskView>();
  const procs: ChildProcess[] = [];
  const einst = randomBytes(4).toString('hex');
  const cidr = `10.${octet}.64.0/24`;
  const vpc = { vpcId: `vpc-${einst}e`, vpcCidr: `10.${octet}.64.0/18`, subnetId: `subnet-${einst}e`, subnetCidr: cidr };
  let dir = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pier-vpc-md-'));
    endpointNet = new VpcTaskNetwork({ instance: einst, netnsPrefix: `pm${einst}-`, stateDir: join(dir, 'network') });
    server = new TaskEndpointServer({
      taskByAddress: (ip) => views.get(ip),
      credentials: async (view, id) => (id === `creds-${view.state.taskId}` ? {
        RoleArn: 'arn:aws:iam::000000000000:role/app', AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 's', Token: `t-${view.state.taskId}`, Expiration: '2030-01-01T00:00:00Z',
      } : undefined),
    });
    await endpointNet.setMetadataTarget(await server.listen());
  });

  after(async () => {
    for (const p of procs) if (p.pid) p.kill('SIGKILL');
    await server.close();
    for (const id of await endpointNet.list()) await endpointNet.destroy(id);
    await endpointNet.removeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function mdTask(host: number): Promise<{ id: string; ns: string; ip: string }> {
    const id = `${einst}${String(host).padStart(24, '0')}`;
    const ip = `10.${octet}.64.${host}`;
    const e = { networkInterfaceId: `eni-${einst}${host}`, ...vpc, privateIpv4Address: ip, macAddress: `02:43:00:00:00:${host.toString(16).padStart(2, '0')}`, securityGroupIds: ['sg-0ee0'], assignPublicIp: false };
    await endpointNet.create(id, e);
    const state = {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${id}`, taskId: id, phase: 'running', reported: 'RUNNING', startedAtMs: Date.now(),
      pullStartedAt: Date.parse('2026-12-05T10:00:00Z'), pullStoppedAt: Date.parse('2026-12-05T10:00:01Z'),
      assignment: {
        taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${id}`, taskId: id, clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
        desiredStatus: 'RUNNING', lastStatus: 'RUNNING', version: 1, overrides: {}, size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 },
        availabilityZone: 'us-east-1a', eni: e,
        taskDefinition: { family: 'web', revision: 3, containerDefinitions: [{ name: 'app', image: 'busybox:1', cpu: 128, memory: 256 }] },
      },
      containers: [{ name: 'app', runtimeId: `${id}-0`, dir: '/nonexistent', phase: 'running', essential: true, restartCount: 0, imageDigest: 'sha256:abc', startedAtMs: Date.parse('2026-12-05T10:00:02Z') }],
    } as unknown as TaskView['state'];
    views.set(ip, { state, health: new Map() });
    return { id, ns: `pm${einst}-${id}`, ip };
  }

  /** GET from inside a namespace; asynchronous, since the endpoint server runs in this process. */
  async function fetchIn(ns: string, path: string): Promise<{ status: number; body: string }> {
    const r = await runCommand(['ip', 'netns', 'exec', ns, 'timeout', '3', 'busybox', 'wget', '-q', '-S', '-O', '-', `http://169.254.170.2${path}`]);
    const m = /HTTP\/1\.1 (\d+)/.exec(r.stderr);
    return { status: m ? Number(m[1]) : -1, body: r.stdout || r.stderr };
  }

  test('a task reads its own metadata; another task\'s container and credentials are not found for it', async () => {
    await endpointNet.setPolicy({ securityGroups: [{ groupId: 'sg-0ee0', ingress: [], egress: ALL_OUT }], members: {} });
    const a = await mdTask(10);
    const b = await mdTask(11);
    const container = (await fetchIn(a.ns, `/v4/${a.id}-0`));
    assert.equal(container.status, 200, container.body);
    const c = JSON.parse(container.body) as Record<string, unknown>;
    assert.equal(c.DockerId, `${a.id}-0`);
    assert.equal(c.Name, 'app');
    assert.equal(c.KnownStatus, 'RUNNING');
    assert.deepEqual(c.Limits, { CPU: 128, Memory: 256 });
    assert.deepEqual((c.Networks as { IPv4Addresses: string[] }[])[0]!.IPv4Addresses, [a.ip]);
    const t = JSON.parse((await fetchIn(a.ns, `/v4/${a.id}-0/task`)).body) as Record<string, unknown>;
    assert.equal(t.TaskARN, `arn:aws:ecs:us-east-1:000000000000:task/c/${a.id}`);
    assert.equal(t.Family, 'web');
    assert.equal(t.Revision, '3');
    assert.deepEqual(t.Limits, { CPU: 0.25, Memory: 512 });
    assert.equal(t.PullStartedAt, '2026-12-05T10:00:00.000Z');
    assert.equal(t.LaunchType, 'FARGATE');

    assert.equal((await fetchIn(b.ns, `/v4/${a.id}-0`)).status, 404, 'B asking for A\'s container');
    assert.equal((await fetchIn(a.ns, `/v2/credentials/creds-${a.id}`)).status, 200);
    assert.match((await fetchIn(a.ns, `/v2/credentials/creds-${a.id}`)).body, new RegExp(`"Token":"t-${a.id}"`));
    assert.equal((await fetchIn(b.ns, `/v2/credentials/creds-${a.id}`)).status, 404, 'B presenting A\'s credentials URI');
    assert.equal((await fetchIn(b.ns, '/v2/credentials/')).status, 400);
  });
});

describe('Pier\'s API at 169.254.170.2:<port>', () => {
  const ainst = randomBytes(4).toString('hex');
  const serverNs = `pa${ainst}-srv`;
  const serverIf = `p${ainst.slice(0, 6)}s`;
  const serverIp = `10.${octet}.96.2`;
  const http: Server[] = [];
  const nets: VpcTaskNetwork[] = [];
  const procs: ChildProcess[] = [];
  let dir = '';

  async function listen(body: string): Promise<number> {
    const s = createServer((_req, res) => res.end(body));
    http.push(s);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return (s.address() as AddressInfo).port;
  }

  /** A task in a group that allows no egress at all, on its own agent (VPC, subnet 10.x.(72+n).0/24) with this API target. */
  async function apiTask(api: { address: string; port: number }): Promise<string> {
    const n = nets.length;
    const net = new VpcTaskNetwork({ instance: `${n}${ainst}`, netnsPrefix: `pa${n}${ainst}-`, stateDir: join(dir, `network${n}`), api });
    nets.push(net);
    await net.setPolicy({ securityGroups: [{ groupId: 'sg-0a01', ingress: [], egress: [] }], members: {} });
    const id = `${ainst}${String(n).padStart(24, '0')}`;
    const subnet = `10.${octet}.${72 + n}`;
    await net.create(id, {
      networkInterfaceId: `eni-${ainst}${n}`, vpcId: `vpc-${ainst}${n}`, vpcCidr: `${subnet}.0/24`, subnetId: `subnet-${ainst}${n}`, subnetCidr: `${subnet}.0/24`,
      privateIpv4Address: `${subnet}.10`, macAddress: `02:46:00:00:00:${n.toString(16).padStart(2, '0')}`, securityGroupIds: ['sg-0a01'], assignPublicIp: false,
    });
    return `pa${n}${ainst}-${id}`;
  }

  async function fetchIn(ns: string, url: string): Promise<string | undefined> {
    const r = await runCommand(['ip', 'netns', 'exec', ns, 'timeout', '2', 'busybox', 'wget', '-q', '-O', '-', url]);
    return r.status === 0 ? r.stdout : undefined;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pier-vpc-api-'));
  });

  after(async () => {
    for (const p of procs) if (p.pid) p.kill('SIGKILL');
    for (const s of http) s.close();
    for (const net of nets) {
      for (const id of await net.list()) await net.destroy(id);
      await net.removeAll();
    }
    spawnSync('ip', ['netns', 'del', serverNs]);
    spawnSync('ip', ['link', 'del', serverIf]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a server on 127.0.0.1:<port> answers a task at 169.254.170.2:<port>; another loopback port does not', async () => {
    const apiPort = await listen('pier api\n');
    const otherPort = await listen('not for tasks\n');
    const ns = await apiTask({ address: '127.0.0.1', port: apiPort });
    assert.equal(await fetchIn(ns, `http://${METADATA_ADDRESS}:${apiPort}/`), 'pier api\n', 'even with no egress rule, like AWS\'s link-local services');
    assert.equal(await fetchIn(ns, `http://${METADATA_ADDRESS}:${otherPort}/`), undefined, 'another port of 169.254.170.2');
    assert.equal(await fetchIn(ns, `http://10.${octet}.72.1:${otherPort}/`), undefined, 'the gateway');
  });

  test('an API off loopback is forwarded and masqueraded (its network has no route to the task); nothing else there is reachable', async () => {
    // The "control plane": a namespace behind a veth of the host, 10.x.96.0/30, serving on 8080 and 8081.
    spawnSync('ip', ['netns', 'add', serverNs]);
    for (const cmd of [
      ['ip', 'link', 'add', serverIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', serverNs],
      ['ip', 'addr', 'add', `10.${octet}.96.1/30`, 'dev', serverIf], ['ip', 'link', 'set', serverIf, 'up'],
      ['ip', '-n', serverNs, 'addr', 'add', `${serverIp}/30`, 'dev', 'eth0'], ['ip', '-n', serverNs, 'link', 'set', 'eth0', 'up'], ['ip', '-n', serverNs, 'link', 'set', 'lo', 'up'],
    ]) assert.equal(spawnSync(cmd[0]!, cmd.slice(1)).status, 0, cmd.join(' '));
    // Replies, de-masqueraded, are routed on to the bridge: the host's interface toward the API must
    // forward (as its uplink must for assignPublicIp).
    writeFileSync(`/proc/sys/net/ipv4/conf/${serverIf}/forwarding`, '1\n');
    const www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), 'routed api\n');
    for (const p of ['8080', '8081']) procs.push(spawn('ip', ['netns', 'exec', serverNs, 'busybox', 'httpd', '-f', '-p', `${serverIp}:${p}`, '-h', www], { stdio: 'ignore' }));
    const ns = await apiTask({ address: serverIp, port: 8080 });
    let body: string | undefined;
    for (let i = 0; i < 10 && body === undefined; i++) body = await fetchIn(ns, `http://${METADATA_ADDRESS}:8080/index.html`);
    assert.equal(body, 'routed api\n');
    assert.equal(await fetchIn(ns, `http://${serverIp}:8080/index.html`), undefined, 'not directly: the task has no public IP');
    assert.equal(await fetchIn(ns, `http://${serverIp}:8081/index.html`), undefined);
    assert.equal(await fetchIn(ns, `http://${METADATA_ADDRESS}:8081/index.html`), undefined);
  });
});

describe('ENIs on namespaces and commands made ahead', () => {
  const inst2 = randomBytes(4).toString('hex');
  const prefix = `pt${inst2}-`;
  let work = '';
  let ahead: VpcTaskNetwork;
  const made = (): VpcTaskNetwork => new VpcTaskNetwork({ instance: inst2, netnsPrefix: prefix, stateDir: join(work, 'network'), spareNamespaces: 2 });
  const waitingCommands = (): string[] => spawnSync('pgrep', ['-af', join(work, 'network', 'ahead')], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'pier-vpc-ahead-'));
    ahead = made();
    await ahead.settled();
  });

  after(async () => {
    for (const s of servers) if (s.pid) s.kill('SIGKILL');
    for (const id of await ahead.list()) await ahead.destroy(id);
    await ahead.close();
    await ahead.removeAll();
    rmSync(work, { recursive: true, force: true });
  });

  test('a task takes a spare: its name is an alias of it, eth0 has the ENI\'s MAC and address, tasks talk; destroy deletes the namespace it names', async () => {
    assert.deepEqual(listNetns(prefix), [`${prefix}n0`, `${prefix}n1`], 'two spares ready');
    const group = 'sg-0a4e';
    const policy = (members: string[]): NetworkPolicy => ({ securityGroups: [{ groupId: group, ingress: [rule({ protocol: '-1', groupId: group })], egress: ALL_OUT }], members: { [group]: members } });
    await ahead.setPolicy(policy([]));
    const id = (n: number): string => `${inst2}${String(n).padStart(24, '0')}`;
    const ips = [`10.${octet}.1.70`, `10.${octet}.1.71`];
    const tasks: Task[] = [];
    for (const [i, ip] of ips.entries()) {
      const e = eni(VPC_A, ip, [group]);
      await ahead.create(id(i), e);
      const ns = `${prefix}${id(i)}`;
      const link = spawnSync('ip', ['-n', ns, '-o', 'link', 'show', 'eth0'], { encoding: 'utf8' }).stdout;
      assert.match(link, new RegExp(e.macAddress), 'the ENI\'s MAC on eth0');
      const www = join(work, 'www', id(i));
      mkdirSync(www, { recursive: true });
      writeFileSync(join(www, 'index.html'), `hello from ${ip}\n`);
      servers.push(spawn('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' }));
      tasks.push({ id: id(i), ns, ip });
    }
    assert.equal(existsSync(join('/var/run/netns', `${prefix}n0`)), true, 'the first task\'s namespace is the first spare');
    await ahead.setPolicy(policy(ips));
    assert.equal(get(tasks[0]!, ips[1]!), `hello from ${ips[1]}\n`);
    assert.equal(get('host', ips[0]!), `hello from ${ips[0]}\n`);
    await ahead.destroy(tasks[0]!.id);
    assert.equal(existsSync(join('/var/run/netns', `${prefix}n0`)), false, 'the namespace the alias named is gone with it');
    assert.equal(listNetns(prefix).includes(tasks[0]!.ns), false);
    assert.equal(get(tasks[1]!, ips[1]!), `hello from ${ips[1]}\n`, 'the other task is untouched');
  });

  test('a restarted agent ends the commands the last one left waiting and replaces its spares; close() leaves nothing but the tasks', async () => {
    await ahead.settled();
    assert.ok(waitingCommands().length > 0, 'commands wait for the next launch');
    const taken = (await ahead.list()).map((id) => `${prefix}${id}`);
    // As after SIGKILL: a new process with the same state directory.
    ahead = made();
    await ahead.settled();
    for (const ns of taken) assert.equal(listNetns(prefix).includes(ns), true, 'a running task keeps its namespace');
    await ahead.close();
    assert.deepEqual(waitingCommands(), [], 'no command is left waiting');
    const namespaces = listNetns(prefix).filter((n) => /-n\d+$/.test(n));
    assert.equal(namespaces.length, taken.length, 'no spare is left: only the namespaces the tasks\' names point to');
    assert.deepEqual(linksWithPrefix(`p${inst2.slice(0, 6)}s`).length, 0, 'no spare veth is left');
  });
});
