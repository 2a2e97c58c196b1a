/**
 * The links of the VPC data plane (iproute2): a bridge per VPC with each subnet's gateway address
 * on it, and per task a veth pair whose host end is a port of that bridge and whose other end is
 * `eth0` in the task's namespace, with the task's MAC, address and default route. Every call is
 * idempotent, so an agent that died half-way simply runs it again.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { runCommand, runCommandOk } from '../host/exec.js';
import { netnsExists } from '../host/netns.js';

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
  /** `ip netns` name of the task's namespace (made here when missing, loopback up). */
  netns: string;
  hostIf: string;
  bridge: string;
  /** Make sure the bridge exists and is set up (first task of the VPC on this host, or after a restart). */
  ensureBridge: boolean;
  /** `gateway/prefix` to put on the bridge (first task of the subnet). */
  gatewayAddress?: string;
  mac: string;
  /** `address/prefix` for eth0. */
  address: string;
  gateway: string;
}

/**
 * The task's namespace and its eth0, the host end a port of the VPC's bridge, in two `ip -batch`
 * runs: host side (the namespace itself, the bridge, the veth), then namespace side. The bridge
 * passes its bridged IPv4 through the inet netfilter hooks (so security groups see task-to-task
 * traffic), forwards between its subnets (this interface only: the host's global ip_forward is
 * left alone) and lets the endpoint DNATs (metadata, Pier's API) reach 127.0.0.1 (route_localnet;
 * the ruleset drops every other loopback address).
 */
export async function attachTask(a: AttachSpec): Promise<void> {
  const hostSide = (): string => {
    const lines: string[] = [];
    if (!netnsExists(a.netns)) lines.push(`netns add ${a.netns}`);
    if (a.ensureBridge) {
      if (!linkExists(a.bridge)) lines.push(`link add ${a.bridge} type bridge nf_call_iptables 1`);
      lines.push(`link set ${a.bridge} up`);
    }
    if (a.gatewayAddress) lines.push(`addr replace ${a.gatewayAddress} dev ${a.bridge}`);
    if (!linkExists(a.hostIf)) lines.push(`link add ${a.hostIf} type veth peer name eth0 netns ${a.netns}`);
    lines.push(`link set ${a.hostIf} master ${a.bridge} up`);
    return lines.join('\n');
  };
  const first = await runCommand(['ip', '-batch', '-'], { input: hostSide() });
  if (first.status !== 0) {
    // Another task made the same bridge meanwhile, or a crash left half a pair: look again, once.
    if (!linkExists(a.hostIf) && netnsExists(a.netns)) await runCommand(['ip', '-n', a.netns, 'link', 'del', 'eth0']);
    await runCommandOk(['ip', '-batch', '-'], { input: hostSide() });
  }
  if (a.ensureBridge) {
    writeFileSync(`/proc/sys/net/ipv4/conf/${a.bridge}/forwarding`, '1\n');
    writeFileSync(`/proc/sys/net/ipv4/conf/${a.bridge}/route_localnet`, '1\n');
  }
  await runCommandOk(['ip', '-n', a.netns, '-batch', '-'], {
    input: [
      'link set lo up',
      `link set eth0 address ${a.mac}`,
      `addr replace ${a.address} dev eth0`,
      'link set eth0 up',
      `route replace default via ${a.gateway} dev eth0`,
    ].join('\n'),
  });
}

/** Deletes a link (a veth takes its peer with it); a missing one is not an error. */
export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  const r = await runCommand(['ip', 'link', 'del', name]);
  if (r.status !== 0 && linkExists(name)) await runCommandOk(['ip', 'link', 'del', name]);
}
