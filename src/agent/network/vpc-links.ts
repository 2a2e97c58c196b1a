/**
 * The links of the VPC data plane (iproute2): a bridge per VPC with each subnet's gateway address
 * on it, and per task a veth pair whose host end is a port of that bridge and whose other end is
 * `eth0` in the task's namespace, with the task's MAC, address and default route. Every call is
 * idempotent, so an agent that died half-way simply runs it again.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { runCommand, runCommandOk } from '../host/exec.js';

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

/**
 * A bridge, up, that passes its bridged IPv4 through the inet netfilter hooks (so security groups
 * see task-to-task traffic), forwards between its subnets (this interface only; the host's global
 * ip_forward is left alone) and lets the metadata DNAT reach 127.0.0.1.
 */
export async function ensureBridge(name: string): Promise<void> {
  if (!linkExists(name)) {
    const r = await runCommand(['ip', 'link', 'add', name, 'type', 'bridge', 'nf_call_iptables', '1']);
    if (r.status !== 0 && !linkExists(name)) await runCommandOk(['ip', 'link', 'add', name, 'type', 'bridge', 'nf_call_iptables', '1']);
  }
  await runCommandOk(['ip', 'link', 'set', name, 'up']);
  writeFileSync(`/proc/sys/net/ipv4/conf/${name}/forwarding`, '1\n');
  // The metadata endpoint is DNATed to 127.0.0.1 (the ruleset drops every other loopback address).
  writeFileSync(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, '1\n');
}

/** Adds `address/prefix` (a subnet's gateway) to the bridge unless it is there. */
export async function ensureAddress(bridge: string, addressWithPrefix: string): Promise<void> {
  await runCommandOk(['ip', 'addr', 'replace', addressWithPrefix, 'dev', bridge]);
}

export async function removeAddress(bridge: string, addressWithPrefix: string): Promise<void> {
  await runCommand(['ip', 'addr', 'del', addressWithPrefix, 'dev', bridge]);
}

export interface VethSpec {
  /** `ip netns` name of the task's namespace (exists). */
  netns: string;
  hostIf: string;
  bridge: string;
  mac: string;
  /** `address/prefix` for eth0. */
  address: string;
  gateway: string;
}

/** The task's eth0 in its namespace, its host end on the bridge. */
export async function attachVeth(v: VethSpec): Promise<void> {
  if (!linkExists(v.hostIf)) {
    // A half-made pair from a crash has its eth0 in the namespace already: start over.
    await runCommand(['ip', '-n', v.netns, 'link', 'del', 'eth0']);
    await runCommandOk(['ip', 'link', 'add', v.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', v.netns]);
  }
  await runCommandOk(['ip', 'link', 'set', v.hostIf, 'master', v.bridge, 'up']);
  await runCommandOk(['ip', '-n', v.netns, '-batch', '-'], {
    input: [
      `link set eth0 address ${v.mac}`,
      `addr replace ${v.address} dev eth0`,
      'link set eth0 up',
      `route replace default via ${v.gateway} dev eth0`,
    ].join('\n'),
  });
}

/** Deletes a link (a veth takes its peer with it); a missing one is not an error. */
export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  const r = await runCommand(['ip', 'link', 'del', name]);
  if (r.status !== 0 && linkExists(name)) await runCommandOk(['ip', 'link', 'del', name]);
}
