/**
 * The links of the VPC data plane (iproute2): a bridge per VPC with each subnet's gateway address
 * on it, and per task a veth pair whose host end is a port of that bridge and whose other end is
 * `eth0` in the task's namespace, with the task's MAC, address and default route. Every call is
 * idempotent, so an agent that died half-way simply runs it again.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { runCommand, runCommandOk } from '../host/exec.js';
import { netnsExists } from '../host/netns.js';
import type { PrestartedCommand } from '../host/prestarted.js';

const SYS_NET = '/sys/class/net';

export function linkExists(name: string): boolean {
  return existsSync(`${SYS_NET}/${name}`);
}

/** Interfaces whose names start with `prefix`. */
export function linksWithPrefix(prefix: string): string[] {
  try {
    return readdirSync(SYS_NET).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return [];
  }
}

export function isBridge(name: string): boolean {
  return existsSync(`${SYS_NET}/${name}/bridge`);
}

export function bridgePorts(bridge: string): string[] {
  try {
    return readdirSync(`${SYS_NET}/${bridge}/brif`).sort();
  } catch {
    return [];
  }
}

export interface AttachSpec {
  /** `ip netns` name of the task's namespace (made here when missing). */
  netns: string;
  hostIf: string;
  /**
   * The host end of a veth pair made ahead whose peer is already `eth0` in `netns` (a spare, see
   * spare-netns.ts): renamed to `hostIf` here, and both sides are set up at once.
   */
  spareIf?: string;
  bridge: string;
  /** Make sure the bridge exists and is set up (first task of the VPC on this host, or after a restart). */
  ensureBridge: boolean;
  /** `gateway/prefix` to put on the bridge (first task of the subnet). */
  gatewayAddress?: string;
  mac: string;
  /** `address/prefix` for eth0. */
  address: string;
  gateway: string;
  /** Commands started ahead (host/prestarted.ts) for the host side and the namespace side, when waiting. */
  hostBatch?: PrestartedCommand;
  taskBatch?: PrestartedCommand;
}

/**
 * The task's namespace and its eth0, the host end a port of the VPC's bridge, in two `ip -batch`
 * runs: host side (the namespace itself, the bridge, the veth), then namespace side; at once when
 * the pair was made ahead. The bridge passes its bridged IPv4 through the inet netfilter hooks (so
 * security groups see task-to-task traffic), forwards between its subnets (this interface only: the
 * host's global ip_forward is left alone) and lets the endpoint DNATs (metadata, Pier's API) reach
 * 127.0.0.1 (route_localnet; the ruleset drops every other loopback address).
 */
export async function attachTask(a: AttachSpec): Promise<void> {
  const spare = a.spareIf !== undefined && linkExists(a.spareIf) && !linkExists(a.hostIf);
  if (spare) await Promise.all([attachHostEnd(a), configureTaskSide(a)]);
  else {
    await attachHostEnd(a);
    await configureTaskSide(a);
  }
}

/** The bridge, the veth pair (made, or the spare's renamed) and its host end on the bridge. */
async function attachHostEnd(a: AttachSpec): Promise<void> {
  const hostSide = (): string => {
    const lines: string[] = [];
    if (a.ensureBridge) {
      if (!linkExists(a.bridge)) lines.push(`link add ${a.bridge} type bridge nf_call_iptables 1`);
      lines.push(`link set ${a.bridge} up`);
    }
    if (a.gatewayAddress) lines.push(`addr replace ${a.gatewayAddress} dev ${a.bridge}`);
    if (linkExists(a.hostIf)) {
      // made before (a retry)
    } else if (a.spareIf !== undefined && linkExists(a.spareIf)) {
      lines.push(`link set ${a.spareIf} name ${a.hostIf}`);
    } else {
      if (!netnsExists(a.netns)) lines.push(`netns add ${a.netns}`);
      lines.push(`link add ${a.hostIf} type veth peer name eth0 netns ${a.netns}`);
    }
    lines.push(`link set ${a.hostIf} master ${a.bridge} up`);
    return lines.join('\n');
  };
  const input = hostSide();
  const first = await (a.hostBatch?.run(input) ?? runCommand(['ip', '-batch', '-'], { input }));
  if (first.status !== 0) {
    // Another task made the same bridge meanwhile, or a crash left half a pair: look again, once.
    if (!linkExists(a.hostIf) && !(a.spareIf !== undefined && linkExists(a.spareIf)) && netnsExists(a.netns)) {
      await runCommand(['ip', '-n', a.netns, 'link', 'del', 'eth0']);
    }
    await runCommandOk(['ip', '-batch', '-'], { input: hostSide() });
  }
  if (a.ensureBridge) {
    writeFileSync(`/proc/sys/net/ipv4/conf/${a.bridge}/forwarding`, '1\n');
    writeFileSync(`/proc/sys/net/ipv4/conf/${a.bridge}/route_localnet`, '1\n');
  }
}

/** eth0 in the namespace: the ENI's MAC and address, up, the default route; and loopback up. */
async function configureTaskSide(a: AttachSpec): Promise<void> {
  // The route goes in while the host end may still be down (it is then marked linkdown).
  const input = [
    'link set lo up',
    `link set eth0 address ${a.mac}`,
    `addr replace ${a.address} dev eth0`,
    'link set eth0 up',
    `route replace default via ${a.gateway} dev eth0`,
  ].join('\n');
  const ahead = await a.taskBatch?.run(`${input}\n`);
  if (ahead && ahead.status === 0 && !ahead.timedOut) return;
  await runCommandOk(['ip', '-n', a.netns, '-batch', '-'], { input });
}

/** Deletes a link (a veth takes its peer with it); a missing one is not an error. */
export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  const r = await runCommand(['ip', 'link', 'del', name]);
  if (r.status !== 0 && linkExists(name)) await runCommandOk(['ip', 'link', 'del', name]);
}
