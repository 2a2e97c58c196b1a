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
 *   nft tables  inet/bridge pier_<inst>
 *
 * What is attached is also written to `<stateDir>/<taskId>.json` (and the last policy to
 * `policy.json`), so a restarted agent renders the same ruleset before any task runner has come
 * back, and finds what to remove. Ruleset loads are serialised: each renders the state as it is
 * when it runs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatIpv4, parseCidr } from '../../ec2/cidr.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import type { EniAssignment, NetworkPolicy } from '../../protocol/agent.js';
import { runCommandOk } from '../host/exec.js';
import { createNetns, deleteNetns, listNetns, netnsPath } from '../host/netns.js';
import type { TaskNetwork } from '../task/runner-deps.js';
import { renderRuleset, type PortOnBridge } from './nft-ruleset.js';
import { attachTask, bridgePorts, deleteLink, isBridge, linksWithPrefix } from './vpc-links.js';

export interface VpcTaskNetworkOptions {
  /** The agent's instance id (hex). */
  instance: string;
  /** Names this agent's namespaces: `<prefix><taskId>`. */
  netnsPrefix: string;
  /** Where attachment records live. */
  stateDir: string;
  /** Where tasks' 169.254.170.2:80 is sent, once the agent serves it. */
  metadata?: { address: string; port: number };
}

const TASK_ID = /^[0-9a-f]{32}$/;
/** The last policy the control plane sent, so a restarted agent loads the same rules at once. */
const POLICY_FILE = 'policy.json';

export class VpcTaskNetwork implements TaskNetwork {
  private readonly inst: string;
  private policy: NetworkPolicy = { securityGroups: [], members: {} };
  private policyKey = '';
  private applying: Promise<void> = Promise.resolve();
  /** The next load, while it waits for the one in progress. */
  private queued: Promise<void> | undefined;
  /** Bridges, and bridge+gateway pairs, known to be set up by this process. */
  private readonly ready = new Set<string>();

  constructor(private readonly opts: VpcTaskNetworkOptions) {
    this.inst = opts.instance.slice(0, 6);
    mkdirSync(opts.stateDir, { recursive: true });
    try {
      this.policyKey = readFileSync(join(opts.stateDir, POLICY_FILE), 'utf8');
      this.policy = JSON.parse(this.policyKey) as NetworkPolicy;
    } catch {
      // none sent yet
    }
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

  async create(taskId: string, eni?: EniAssignment): Promise<string> {
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
    const links = async (): Promise<string> => {
      await attachTask({
        netns, hostIf: port.hostIf, bridge, mac: eni.macAddress, address: `${eni.privateIpv4Address}/${subnet.prefix}`, gateway,
        ensureBridge: !this.ready.has(bridge),
        ...(this.ready.has(`${bridge} ${gatewayAddress}`) ? {} : { gatewayAddress }),
      });
      this.ready.add(bridge).add(`${bridge} ${gatewayAddress}`);
      return this.pathFor(taskId);
    };
    const [path] = await Promise.all([links(), this.apply()]);
    return path;
  }

  async destroy(taskId: string): Promise<void> {
    const port = this.readRecord(taskId);
    rmSync(this.recordPath(taskId), { force: true });
    await deleteNetns(this.opts.netnsPrefix + taskId);
    await deleteLink(this.hostIfFor(taskId));
    await this.removeIdleBridges();
    // With its veth gone no packet comes from or goes to the task: pruning its rules is
    // bookkeeping and runs behind (a new task with the same address loads the rules again before
    // it starts; `settled()` waits for it).
    if (port) this.apply().catch(() => undefined);
  }

  async list(): Promise<string[]> {
    const ids = new Set(listNetns(this.opts.netnsPrefix).map((n) => n.slice(this.opts.netnsPrefix.length)));
    for (const id of this.recordIds()) ids.add(id);
    return [...ids].filter((id) => TASK_ID.test(id)).sort();
  }

  /** The security groups and members the control plane sent; reloads the rules when they changed. */
  async setPolicy(policy: NetworkPolicy): Promise<void> {
    const key = JSON.stringify(policy);
    if (key === this.policyKey) return;
    this.policy = policy;
    this.policyKey = key;
    writeFileAtomic(join(this.opts.stateDir, POLICY_FILE), key);
    await this.apply();
  }

  /** Where tasks' 169.254.170.2:80 goes: the agent's endpoint server. */
  async setMetadataTarget(target: { address: string; port: number }): Promise<void> {
    this.opts.metadata = target;
    await this.apply();
  }

  /** Resolves when every ruleset load asked for so far has run. */
  async settled(): Promise<void> {
    await this.applying;
    await this.queued?.catch(() => undefined);
  }

  /** Renders and loads the ruleset for what is attached now (also after a restart). */
  apply(): Promise<void> {
    // A load that has not started yet will render the state as it is when it starts: callers
    // arriving meanwhile share it instead of queueing another.
    if (this.queued) return this.queued;
    const run = this.applying.then(() => {
      this.queued = undefined;
      return this.load();
    });
    this.queued = run;
    this.applying = run.catch(() => undefined);
    return run;
  }

  /** Removes every link, table and record of this agent (nothing must be attached any more). */
  async removeAll(): Promise<void> {
    for (const id of this.recordIds()) rmSync(this.recordPath(id), { force: true });
    for (const link of linksWithPrefix(`p${this.inst}e`)) await deleteLink(link);
    await this.apply();
    await this.removeIdleBridges();
  }

  private async load(): Promise<void> {
    const ports = this.recordIds().map((id) => this.readRecord(id)).filter((p): p is PortOnBridge => p !== undefined);
    const bridges = [...new Set(ports.map((p) => p.bridge))].sort();
    const script = renderRuleset({
      table: this.table, bridges, ports, policy: this.policy, ...(this.opts.metadata ? { metadata: this.opts.metadata } : {}),
    });
    await runCommandOk(['nft', '-f', '-'], { input: script });
  }

  /** Bridges of this agent with no task port left go (their gateway addresses with them). */
  private async removeIdleBridges(): Promise<void> {
    const inUse = new Set(this.recordIds().map((id) => this.readRecord(id)?.bridge));
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
