/**
 * A task's ENI on this host: its network namespace and, when the control plane gave it an ENI, a
 * veth on its VPC's bridge with the allocated MAC and address, behind security groups enforced in
 * nftables (see nft-ruleset.ts). A task without an ENI gets a namespace with loopback only.
 *
 * Every name is scoped by the agent's instance id, so agents sharing a machine never touch each
 * other's links or tables:
 *   namespace   <netnsPrefix><taskId>
 *   bridge      p<inst6>v<hash6 of the VPC id>
 *   host veth   p<inst6>e<hash7 of the task id>
 *   spares      <netnsPrefix>n<k> with host veth p<inst6>s<k> (spare-netns.ts; a task's namespace
 *               name is then an alias of one), and commands started ahead waiting on FIFOs in
 *               `<stateDir>/ahead` (host/prestarted.ts): the next launch's host-side `ip`, its
 *               `nft` and each spare's `ip -n`, so a launch starts no process for its ENI
 *   nft tables  inet/bridge pier_<inst>
 *
 * What is attached is also written to `<stateDir>/<taskId>.json` (and the last policy to
 * `policy.json`), so a restarted agent renders the same ruleset before any task runner has come
 * back, and finds what to remove. Ruleset loads are serialised, each working from the state as it
 * is when it runs. The first load of a process, `apply()`, new endpoints and any change the kernel
 * refuses replace the tables whole; everything else (a task attached or removed, security groups
 * or their members changed) loads only the difference from what this process last loaded
 * (nft-ruleset-change.ts), so its cost does not grow with the tasks on the host.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatIpv4, parseCidr } from '../../ec2/cidr.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import type { EniAssignment, NetworkPolicy } from '../../protocol/agent.js';
import { runCommand, runCommandOk } from '../host/exec.js';
import { endLeftWaiting, PrestartedCommand } from '../host/prestarted.js';
import { createNetns, deleteNetns, listNetns, netnsExists, netnsPath } from '../host/netns.js';
import type { TaskNetwork } from '../task/runner-deps.js';
import { renderRulesetChange } from './nft-ruleset-change.js';
import { buildRuleset, renderRuleset, type Endpoint, type PortOnBridge, type Ruleset } from './nft-ruleset.js';
import { SpareNetnsPool } from './spare-netns.js';
import { attachTask, bridgePorts, deleteLink, isBridge, linksWithPrefix } from './vpc-links.js';

export interface VpcTaskNetworkOptions {
  /** The agent's instance id (hex). */
  instance: string;
  /** Names this agent's namespaces: `<prefix><taskId>`. */
  netnsPrefix: string;
  /** Where attachment records live. */
  stateDir: string;
  /** Where tasks' 169.254.170.2:80 is sent, once the agent serves it. */
  metadata?: Endpoint;
  /**
   * Pier's own API (the control plane's edge, e.g. 127.0.0.1:4600), so an SDK inside a task can
   * call it with the task's role: tasks reach it at 169.254.170.2:<port>, DNATed to this address
   * (and forwarded and masqueraded when it is not a loopback address). Port 80 is the metadata's.
   */
  api?: Endpoint;
  /**
   * Namespaces with a veth pair kept ready (spare-netns.ts), so that a launch only configures them.
   * Default 0: each is made when its task asks.
   */
  spareNamespaces?: number;
}

const TASK_ID = /^[0-9a-f]{32}$/;
/** The last policy the control plane sent, so a restarted agent loads the same rules at once. */
const POLICY_FILE = 'policy.json';
/** How long after a launch the commands for the next one are started (its sandbox boots meanwhile). */
const AHEAD_DELAY_MS = 1_000;

export class VpcTaskNetwork implements TaskNetwork {
  private readonly inst: string;
  private policy: NetworkPolicy = { securityGroups: [], members: {} };
  private policyKey = '';
  /** The attached tasks, as their records say. */
  private readonly ports = new Map<string, PortOnBridge>();
  /** The ruleset this process last loaded; undefined when it cannot know what the kernel holds. */
  private loaded: Ruleset | undefined;
  private applying: Promise<void> = Promise.resolve();
  /** The next load, while it waits for the one in progress; `whole` once anyone asked for a whole reload. */
  private queued: { run: Promise<void>; whole: boolean } | undefined;
  /** Bridges, and bridge+gateway pairs, known to be set up by this process. */
  private readonly ready = new Set<string>();
  /** Ruleset loads so far: whole replacements and incremental changes. */
  readonly loads = { whole: 0, changes: 0 };
  private readonly spares: SpareNetnsPool | undefined;
  /** Host commands started ahead of the next launch (with the spares). */
  private readonly ahead: { hostBatch: PrestartedCommand; nft: PrestartedCommand } | undefined;
  private aheadTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: VpcTaskNetworkOptions) {
    this.inst = opts.instance.slice(0, 6);
    mkdirSync(opts.stateDir, { recursive: true });
    try {
      this.policyKey = readFileSync(join(opts.stateDir, POLICY_FILE), 'utf8');
      this.policy = JSON.parse(this.policyKey) as NetworkPolicy;
    } catch {
      // none sent yet
    }
    for (const id of this.recordIds()) {
      const port = this.readRecord(id);
      if (port) this.ports.set(id, port);
    }
    if (opts.spareNamespaces) {
      const fifoDir = join(opts.stateDir, 'ahead');
      mkdirSync(fifoDir, { recursive: true, mode: 0o700 });
      endLeftWaiting(fifoDir);
      this.spares = new SpareNetnsPool({ prefix: opts.netnsPrefix, linkPrefix: `p${this.inst}s`, target: opts.spareNamespaces, fifoDir });
      this.spares.start();
      const hostFifo = join(fifoDir, 'ip.fifo');
      const nftFifo = join(fifoDir, 'nft.fifo');
      this.ahead = { hostBatch: new PrestartedCommand(hostFifo, ['ip', '-batch', hostFifo]), nft: new PrestartedCommand(nftFifo, ['nft', '-f', nftFifo]) };
      this.startAhead(0);
    }
  }

  /** Starts the host commands used by the next launch ahead of it, after `delayMs` (past the launch that used them). */
  private startAhead(delayMs = AHEAD_DELAY_MS): void {
    if (!this.ahead || this.aheadTimer || this.closed) return;
    this.aheadTimer = setTimeout(() => {
      this.aheadTimer = undefined;
      if (this.closed || !this.ahead) return;
      void this.ahead.hostBatch.start().catch(() => undefined);
      void this.ahead.nft.start().catch(() => undefined);
    }, delayMs);
    this.aheadTimer.unref();
  }

  get table(): string {
    return `pier_${this.opts.instance}`;
  }

  bridgeFor(vpcId: string): string {
    return `p${this.inst}v${createHash('sha256').update(vpcId).digest('hex').slice(0, 6)}`;
  }

  hostIfFor(taskId: string): string {
    return `p${this.inst}e${createHash('sha256').update(taskId).digest('hex').slice(0, 7)}`;
  }

  pathFor(taskId: string): string {
    return netnsPath(this.opts.netnsPrefix + taskId);
  }

  async create(taskId: string, eni?: EniAssignment, mark: (step: string) => void = () => undefined): Promise<string> {
    const netns = this.opts.netnsPrefix + taskId;
    if (!eni) return createNetns(netns);
    const subnet = parseCidr(eni.subnetCidr);
    if (!subnet) throw new Error(`ENI ${eni.networkInterfaceId}: invalid subnet CIDR '${eni.subnetCidr}'`);
    const gateway = formatIpv4(subnet.network + 1);
    const gatewayAddress = `${gateway}/${subnet.prefix}`;
    const bridge = this.bridgeFor(eni.vpcId);
    const port: PortOnBridge = { taskId, hostIf: this.hostIfFor(taskId), bridge, eni };
    // Recorded first: a crash from here on leaves something the next agent knows to remove. The
    // rules name interfaces, not indexes, so they load while the links are made; nothing runs in
    // the namespace before both are done (the sandbox starts after create returns).
    this.writeRecord(port);
    this.ports.set(taskId, port);
    // A spare namespace with its veth pair, unless a launch cut short made the task's already.
    const spare = this.spares && !netnsExists(netns) ? this.spares.take(netns) : undefined;
    const links = async (): Promise<string> => {
      await attachTask({
        netns, hostIf: port.hostIf, ...(spare ? { spareIf: spare.hostIf } : {}),
        ...(this.ahead ? { hostBatch: this.ahead.hostBatch } : {}), ...(spare?.configure ? { taskBatch: spare.configure } : {}),
        bridge, mac: eni.macAddress, address: `${eni.privateIpv4Address}/${subnet.prefix}`, gateway,
        ensureBridge: !this.ready.has(bridge),
        ...(this.ready.has(`${bridge} ${gatewayAddress}`) ? {} : { gatewayAddress }),
      });
      this.ready.add(bridge).add(`${bridge} ${gatewayAddress}`);
      mark('links');
      return this.pathFor(taskId);
    };
    const rules = (): Promise<void> => this.sync(false).then(() => mark('rules'));
    const done = (): void => {
      void spare?.configure?.release();
      this.startAhead();
    };
    const [path] = await Promise.all([links(), rules()]).finally(done);
    return path;
  }

  async destroy(taskId: string): Promise<void> {
    const attached = this.ports.delete(taskId);
    rmSync(this.recordPath(taskId), { force: true });
    await deleteNetns(this.opts.netnsPrefix + taskId);
    await deleteLink(this.hostIfFor(taskId));
    await this.removeIdleBridges();
    // With its veth gone no packet comes from or goes to the task: pruning its rules is
    // bookkeeping and runs behind (a new task with the same address loads the rules again before
    // it starts; `settled()` waits for it).
    if (attached) this.sync(false).catch(() => undefined);
  }

  async list(): Promise<string[]> {
    const ids = new Set(listNetns(this.opts.netnsPrefix).map((n) => n.slice(this.opts.netnsPrefix.length)));
    for (const id of [...this.ports.keys(), ...this.recordIds()]) ids.add(id);
    return [...ids].filter((id) => TASK_ID.test(id)).sort();
  }

  /** The security groups and members the control plane sent; reloads the rules when they changed. */
  async setPolicy(policy: NetworkPolicy): Promise<void> {
    const key = JSON.stringify(policy);
    if (key === this.policyKey) return;
    this.policy = policy;
    this.policyKey = key;
    writeFileAtomic(join(this.opts.stateDir, POLICY_FILE), key);
    await this.sync(false);
  }

  /** Where tasks' 169.254.170.2:80 goes: the agent's endpoint server. */
  async setMetadataTarget(target: Endpoint): Promise<void> {
    this.opts.metadata = target;
    await this.sync(false);
  }

  /** Resolves when every ruleset load asked for so far has run. */
  async settled(): Promise<void> {
    for (let seen: Promise<void> | undefined; seen !== this.applying;) {
      seen = this.applying;
      await seen;
    }
    await this.spares?.settled();
  }

  /**
   * Rebuilds the host-wide state for what is attached now (after a restart, or when the kernel's
   * tables may have been touched): veths of this agent that no record names (a destroy cut short)
   * go, and the ruleset is loaded whole.
   */
  async apply(): Promise<void> {
    const attached = new Set([...this.ports.keys()].map((id) => this.hostIfFor(id)));
    for (const link of linksWithPrefix(`p${this.inst}e`)) if (!attached.has(link)) await deleteLink(link);
    await this.sync(true);
  }

  /** Removes the spare namespaces (the agent stops with no task left). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.aheadTimer);
    await Promise.all([this.spares?.close(), this.ahead?.hostBatch.release(), this.ahead?.nft.release()]);
  }

  /** Removes every link, table and record of this agent (nothing must be attached any more). */
  async removeAll(): Promise<void> {
    for (const id of this.recordIds()) rmSync(this.recordPath(id), { force: true });
    this.ports.clear();
    for (const link of linksWithPrefix(`p${this.inst}e`)) await deleteLink(link);
    await this.sync(true);
    await this.removeIdleBridges();
  }

  /** Queues a ruleset load; `whole` replaces the tables instead of changing what was loaded. */
  private sync(whole: boolean): Promise<void> {
    // A load that has not started yet will work from the state as it is when it starts: callers
    // arriving meanwhile share it instead of queueing another.
    if (this.queued) {
      this.queued.whole ||= whole;
      return this.queued.run;
    }
    const next = { whole, run: Promise.resolve() };
    next.run = this.applying.then(() => {
      this.queued = undefined;
      return this.load(next.whole);
    });
    this.queued = next;
    this.applying = next.run.catch(() => undefined);
    return next.run;
  }

  private async load(whole: boolean): Promise<void> {
    const ports = [...this.ports.values()];
    const next = buildRuleset({
      table: this.table, bridges: [...new Set(ports.map((p) => p.bridge))], ports, policy: this.policy,
      ...(this.opts.metadata ? { metadata: this.opts.metadata } : {}), ...(this.opts.api ? { api: this.opts.api } : {}),
    });
    const change = whole || !this.loaded ? undefined : renderRulesetChange(this.loaded, next);
    if (change === '') return;
    if (change !== undefined) {
      const ahead = this.ahead?.nft.run(change);
      if (ahead) void ahead.finally(() => this.startAhead());
      const r = await (ahead ?? runCommand(['nft', '-f', '-'], { input: change }));
      if (r.status === 0 && !r.timedOut) {
        this.loaded = next;
        this.loads.changes++;
        return;
      }
      // The kernel does not hold what this process loaded (tables deleted or flushed by hand).
    }
    this.loaded = undefined;
    await runCommandOk(['nft', '-f', '-'], { input: renderRuleset(next) });
    this.loaded = next;
    this.loads.whole++;
  }

  /** Bridges of this agent with no task port left go (their gateway addresses with them). */
  private async removeIdleBridges(): Promise<void> {
    const inUse = new Set([...this.ports.values()].map((p) => p.bridge));
    for (const link of linksWithPrefix(`p${this.inst}v`)) {
      if (isBridge(link) && !inUse.has(link) && bridgePorts(link).length === 0) {
        for (const key of [...this.ready]) if (key === link || key.startsWith(`${link} `)) this.ready.delete(key);
        await deleteLink(link);
      }
    }
  }

  private recordPath(taskId: string): string {
    return join(this.opts.stateDir, `${taskId}.json`);
  }

  private writeRecord(port: PortOnBridge): void {
    writeFileAtomic(this.recordPath(port.taskId), JSON.stringify(port));
  }

  private readRecord(taskId: string): PortOnBridge | undefined {
    try {
      return JSON.parse(readFileSync(this.recordPath(taskId), 'utf8')) as PortOnBridge;
    } catch {
      return undefined;
    }
  }

  private recordIds(): string[] {
    try {
      return readdirSync(this.opts.stateDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((id) => TASK_ID.test(id));
    } catch {
      return [];
    }
  }
}
