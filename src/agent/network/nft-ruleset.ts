/**
 * The agent's whole nftables ruleset for its VPC bridges, rendered from what it runs (pure).
 *
 * Every change re-renders everything and loads it with one `nft -f` transaction (declare, delete,
 * define), so the kernel never holds half a ruleset and a restarted agent converges by rendering
 * again. Two tables, both named after the agent, touching only traffic on its own bridges:
 *
 * - `bridge <table>`: anti-spoofing on each task's bridge port (its MAC, its address, no IPv6), so
 *   the addresses the filter below keys on can be trusted.
 * - `inet <table>`: security groups, stateful. The bridges pass bridged IPv4 through the inet hooks
 *   (`nf_call_iptables`), so task-to-task traffic on one bridge is filtered like routed traffic.
 *   A new connection from A to B passes A's egress rules (chain `out_<A>`, which returns when a
 *   rule allows it) and then B's ingress rules (`in_<B>`, which accepts); replies ride conntrack.
 *   Traffic between two VPCs' bridges is dropped; traffic leaving the bridges for the host's
 *   networks is forwarded and masqueraded only for tasks with assignPublicIp. Tasks reach the host
 *   itself only for replies and the metadata endpoint (169.254.170.2:80, DNATed to the agent's
 *   server on 127.0.0.1; never any other loopback service). The host may open connections to tasks
 *   (it is the VPC's router and the platform's own infrastructure).
 */
import type { EniAssignment, NetworkPolicy, NetworkRule } from '../../protocol/agent.js';

export const METADATA_ADDRESS = '169.254.170.2';

export interface PortOnBridge {
  taskId: string;
  /** Host end of the task's veth, a port of `bridge`. */
  hostIf: string;
  bridge: string;
  eni: EniAssignment;
}

export interface RulesetInput {
  /** Table name in both families, e.g. `pier_1a2b3c4d`. */
  table: string;
  bridges: readonly string[];
  ports: readonly PortOnBridge[];
  policy: NetworkPolicy;
  /** Where 169.254.170.2:80 from the tasks is sent (the agent's endpoint server). */
  metadata?: { address: string; port: number };
}

export class RulesetInputError extends Error {
  override readonly name = 'RulesetInputError';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const GROUP = /^sg-[0-9a-f]{1,32}$/;
const TASK = /^[0-9a-f]{1,64}$/;
const TABLE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function check(value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new RulesetInputError(`invalid ${what} '${value}'`);
  return value;
}

function cidr(value: string): string {
  const [ip, len, extra] = value.split('/');
  if (extra !== undefined || ip === undefined || !IPV4.test(ip) || len === undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32) {
    throw new RulesetInputError(`invalid IPv4 CIDR '${value}'`);
  }
  return `${ip}/${Number(len)}`;
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RulesetInputError(`invalid port ${n}`);
  return n;
}

const setOf = (group: string): string => `sg_${check(group, GROUP, 'security group id').slice(3)}`;

function elements(items: readonly string[]): string {
  return items.length ? ` elements = { ${items.join(', ')} };` : '';
}

/** The match part of one rule: protocol, ports or ICMP type/code, and the peer. Undefined when it can never match. */
export function ruleMatch(rule: NetworkRule, direction: 'ingress' | 'egress'): string | undefined {
  const peerField = direction === 'ingress' ? 'ip saddr' : 'ip daddr';
  const parts: string[] = [];
  if (rule.groupId !== undefined) parts.push(`${peerField} @${setOf(rule.groupId)}`);
  else if (rule.cidr !== undefined) {
    const c = cidr(rule.cidr);
    if (c !== '0.0.0.0/0') parts.push(`${peerField} ${c}`);
  } else return undefined;
  const proto = rule.protocol;
  if (proto === 'tcp' || proto === 'udp') {
    const from = rule.fromPort ?? 0;
    const to = rule.toPort ?? 65535;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535 || from > to) throw new RulesetInputError(`invalid port range ${from}-${to}`);
    parts.push(from === 0 && to === 65535 ? `meta l4proto ${proto}` : from === to ? `${proto} dport ${from}` : `${proto} dport ${from}-${to}`);
  } else if (proto === 'icmp') {
    const type = rule.fromPort ?? -1;
    const code = rule.toPort ?? -1;
    if (type === -1) parts.push('meta l4proto icmp');
    else {
      if (!Number.isInteger(type) || type < 0 || type > 255) throw new RulesetInputError(`invalid ICMP type ${type}`);
      parts.push(`icmp type ${type}`);
      if (code !== -1) {
        if (!Number.isInteger(code) || code < 0 || code > 255) throw new RulesetInputError(`invalid ICMP code ${code}`);
        parts.push(`icmp code ${code}`);
      }
    }
  } else if (proto !== '-1') {
    if (!/^\d{1,3}$/.test(proto) || Number(proto) > 255) throw new RulesetInputError(`invalid protocol '${proto}'`);
    parts.push(`meta l4proto ${Number(proto)}`);
  }
  return parts.join(' ');
}

/** The `nft -f` script that replaces this agent's tables with the ruleset for `input`. */
export function renderRuleset(input: RulesetInput): string {
  const table = check(input.table, TABLE, 'table name');
  const reset = [
    `table inet ${table} {}`, `delete table inet ${table}`,
    `table bridge ${table} {}`, `delete table bridge ${table}`,
  ];
  if (input.bridges.length === 0) return `${reset.join('\n')}\n`;
  const bridges = input.bridges.map((b) => check(b, IFNAME, 'bridge name'));
  const ports = input.ports.map((p) => ({
    ...p,
    hostIf: check(p.hostIf, IFNAME, 'interface name'),
    task: check(p.taskId, TASK, 'task id'),
    ip: check(p.eni.privateIpv4Address, IPV4, 'IPv4 address'),
    mac: check(p.eni.macAddress.toLowerCase(), MAC, 'MAC address'),
  }));
  const groups = new Map(input.policy.securityGroups.map((g) => [g.groupId, g]));

  // Every group a local task's rules name as a peer gets a set of its members' addresses.
  const peerGroups = new Set<string>();
  for (const p of ports) {
    for (const gid of p.eni.securityGroupIds) {
      const g = groups.get(gid);
      for (const r of [...(g?.ingress ?? []), ...(g?.egress ?? [])]) if (r.groupId) peerGroups.add(r.groupId);
    }
  }
  const sets = [...peerGroups].sort().map((gid) => {
    const members = (input.policy.members[gid] ?? []).map((ip) => check(ip, IPV4, 'member address'));
    return `  set ${setOf(gid)} { type ipv4_addr;${elements([...new Set(members)].sort())} }`;
  });
  const publicIps = ports.filter((p) => p.eni.assignPublicIp).map((p) => p.ip);
  const quoted = (names: readonly string[]): string[] => names.map((n) => `"${n}"`);

  const chainRules = (p: (typeof ports)[number], direction: 'ingress' | 'egress'): string[] => {
    const verdict = direction === 'ingress' ? 'accept' : 'return';
    const out = new Set<string>();
    for (const gid of p.eni.securityGroupIds) {
      for (const r of groups.get(gid)?.[direction] ?? []) {
        const m = ruleMatch(r, direction);
        if (m !== undefined) out.add(m === '' ? verdict : `${m} ${verdict}`);
      }
    }
    return [...out, 'drop'];
  };

  const inet = [
    `table inet ${table} {`,
    `  set bridges { type ifname;${elements(quoted(bridges))} }`,
    `  set public { type ipv4_addr;${elements(publicIps)} }`,
    ...sets,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    iifname != @bridges oifname != @bridges accept',
    '    ct state established,related accept',
    '    ct state invalid drop',
    // Two VPCs never talk, even through the host's routing.
    ...bridges.map((b) => `    iifname "${b}" oifname != "${b}" oifname @bridges drop`),
    ...(ports.length ? [
      `    ip saddr vmap { ${ports.map((p) => `${p.ip} : jump out_${p.task}`).join(', ')} }`,
      `    ip daddr vmap { ${ports.map((p) => `${p.ip} : jump in_${p.task}`).join(', ')} }`,
    ] : []),
    '    oifname @bridges drop',
    '    ip saddr @public accept',
    '    drop',
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    '    iifname != @bridges accept',
    '    ct state established,related accept',
    ...(input.metadata ? [`    ip daddr ${check(input.metadata.address, IPV4, 'metadata address')} tcp dport ${port(input.metadata.port)} accept`] : []),
    // route_localnet (for the DNAT above) must not open the host's loopback services to tasks.
    '    ip daddr 127.0.0.0/8 drop',
    '    ip saddr @public accept',
    '    drop',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    ip saddr @public oifname != @bridges masquerade',
    '  }',
    ...(input.metadata ? [
      '  chain prerouting {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      `    iifname @bridges ip daddr ${METADATA_ADDRESS} tcp dport 80 dnat ip to ${input.metadata.address}:${port(input.metadata.port)}`,
      '  }',
    ] : []),
    ...ports.flatMap((p) => [
      `  chain out_${p.task} {`, ...chainRules(p, 'egress').map((r) => `    ${r}`), '  }',
      `  chain in_${p.task} {`, ...chainRules(p, 'ingress').map((r) => `    ${r}`), '  }',
    ]),
    '}',
  ];
  const bridge = [
    `table bridge ${table} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority filter; policy accept;',
    ...ports.flatMap((p) => [
      `    iifname "${p.hostIf}" ether saddr != ${p.mac} drop`,
      `    iifname "${p.hostIf}" ether type ip ip saddr != ${p.ip} drop`,
      `    iifname "${p.hostIf}" ether type arp arp saddr ip != { 0.0.0.0, ${p.ip} } drop`,
      `    iifname "${p.hostIf}" ether type ip6 drop`,
    ]),
    '  }',
    '}',
  ];
  return `${[...reset, ...inet, ...bridge].join('\n')}\n`;
}
