/**
 * The agent's nftables ruleset for its VPC bridges, built from what it runs (pure). `buildRuleset`
 * checks and normalises the input; `renderRuleset` writes the `nft -f` script that replaces the
 * agent's tables with it (start-up, recovery, endpoint changes), and `renderRulesetChange` the
 * script that turns one loaded ruleset into the next in one transaction (a task attached or
 * removed, security groups or their members changed), so a change costs what it touches, not what
 * the host runs. Two tables, both named after the agent, touching only traffic on its own bridges:
 *
 * - `bridge <table>`: anti-spoofing on each task's bridge port (its MAC, its address, no IPv6), so
 *   the addresses the filter below keys on can be trusted: map `ports` sends a port's frames to
 *   its chain `port_<task>`.
 * - `inet <table>`: security groups, stateful. The bridges pass bridged IPv4 through the inet hooks
 *   (`nf_call_iptables`), so task-to-task traffic on one bridge is filtered like routed traffic.
 *   A new connection from A to B passes A's egress rules (chain `out_<A>`, reached through map
 *   `egress` keyed by address, which returns when a rule allows it) and then B's ingress rules
 *   (`in_<B>` through `ingress`, which accepts); replies ride conntrack. A security group named as
 *   a peer is a set of its members' addresses (`sg_<id>`). Traffic between two VPCs' bridges is
 *   dropped (set `same_bridge` holds the only bridge pairs allowed); traffic leaving the bridges
 *   for the host's networks is forwarded and masqueraded only for tasks with assignPublicIp (set
 *   `public`). Tasks reach the host itself only for replies and two endpoints at 169.254.170.2:
 *   the metadata endpoint (port 80, DNATed to the agent's server on 127.0.0.1) and, when given,
 *   Pier's own API (its port, DNATed to the control plane's edge; forwarded and masqueraded when
 *   that is not on loopback). Never any other loopback service. The host may open connections to
 *   tasks (it is the VPC's router and the platform's own infrastructure).
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

export interface Endpoint {
  address: string;
  port: number;
}

export interface RulesetInput {
  /** Table name in both families, e.g. `pier_1a2b3c4d`. */
  table: string;
  bridges: readonly string[];
  ports: readonly PortOnBridge[];
  policy: NetworkPolicy;
  /** Where 169.254.170.2:80 from the tasks is sent (the agent's endpoint server). */
  metadata?: Endpoint;
  /** Where 169.254.170.2:<port> from the tasks is sent: Pier's own API, e.g. 127.0.0.1:4600. */
  api?: Endpoint;
}

/** One task's chains: egress (`out_`), ingress (`in_`) and its bridge port's anti-spoofing (`port_`). */
export interface TaskRules {
  readonly ip: string;
  readonly hostIf: string;
  readonly egress: readonly string[];
  readonly ingress: readonly string[];
  readonly port: readonly string[];
}

/** A set or map: element key → element as written (`key` for a set, `key : verdict` for a map). */
export type Elements = ReadonlyMap<string, string>;

/** An input checked and normalised: what the kernel holds once it is loaded. */
export interface Ruleset {
  readonly table: string;
  /** The rules of the hooked chains, in order; they change only with the endpoints. */
  readonly hooks: { readonly forward: readonly string[]; readonly input: readonly string[]; readonly postrouting: readonly string[]; readonly prerouting: readonly string[] };
  readonly bridges: readonly string[];
  /** The sets and maps of each table, by name. */
  readonly inet: ReadonlyMap<string, { readonly type: string; readonly elements: Elements }>;
  readonly bridgePorts: Elements;
  readonly tasks: ReadonlyMap<string, TaskRules>;
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

function endpoint(e: Endpoint, what: string): Endpoint {
  return { address: check(e.address, IPV4, `${what} address`), port: port(e.port) };
}

const setOf = (group: string): string => `sg_${check(group, GROUP, 'security group id').slice(3)}`;
const quoted = (name: string): string => `"${name}"`;

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

/** The hooked chains' rules; only the endpoints vary them. */
function hooks(metadataTarget: Endpoint | undefined, apiTarget: Endpoint | undefined): Ruleset['hooks'] {
  const metadata = metadataTarget && endpoint(metadataTarget, 'metadata');
  const api = apiTarget && endpoint(apiTarget, 'API');
  if (api?.port === 80) throw new RulesetInputError('the API port cannot be 80, the metadata endpoint\'s');
  // The API flow as DNATed from 169.254.170.2, in the forward, input and postrouting hooks.
  const apiFlow = api && `ct original ip daddr ${METADATA_ADDRESS} ip daddr ${api.address} tcp dport ${api.port}`;
  const routed = api !== undefined && !api.address.startsWith('127.');
  return {
    forward: [
      'iifname != @bridges oifname != @bridges accept',
      'ct state established,related accept',
      'ct state invalid drop',
      // Two VPCs never talk, even through the host's routing.
      'iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop',
      ...(routed ? [`${apiFlow} accept`] : []),
      'ip saddr vmap @egress',
      'ip daddr vmap @ingress',
      'oifname @bridges drop',
      'ip saddr @public accept',
      'drop',
    ],
    input: [
      'iifname != @bridges accept',
      'ct state established,related accept',
      ...(metadata ? [`ip daddr ${metadata.address} tcp dport ${metadata.port} accept`] : []),
      ...(apiFlow ? [`${apiFlow} accept`] : []),
      // route_localnet (for the DNATs above) must not open the host's loopback services to tasks.
      'ip daddr 127.0.0.0/8 drop',
      'ip saddr @public accept',
      'drop',
    ],
    postrouting: [
      ...(routed ? [`${apiFlow} masquerade`] : []),
      'ip saddr @public oifname != @bridges masquerade',
    ],
    prerouting: [
      ...(metadata ? [`iifname @bridges ip daddr ${METADATA_ADDRESS} tcp dport 80 dnat ip to ${metadata.address}:${metadata.port}`] : []),
      ...(api ? [`iifname @bridges ip daddr ${METADATA_ADDRESS} tcp dport ${api.port} dnat ip to ${api.address}:${api.port}`] : []),
    ],
  };
}

function taskRules(p: PortOnBridge, groups: ReadonlyMap<string, NetworkPolicy['securityGroups'][number]>): TaskRules {
  const ip = check(p.eni.privateIpv4Address, IPV4, 'IPv4 address');
  const mac = check(p.eni.macAddress.toLowerCase(), MAC, 'MAC address');
  const chain = (direction: 'ingress' | 'egress'): string[] => {
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
  return {
    ip, hostIf: check(p.hostIf, IFNAME, 'interface name'), egress: chain('egress'), ingress: chain('ingress'),
    port: [`ether saddr != ${mac} drop`, `ether type ip ip saddr != ${ip} drop`, `ether type arp arp saddr ip != { 0.0.0.0, ${ip} } drop`, 'ether type ip6 drop'],
  };
}

const setElements = (items: Iterable<string>): Elements => new Map([...new Set(items)].sort().map((i) => [i, i]));

/** Checks and normalises an input; throws RulesetInputError for anything that is not a well-formed name or address. */
export function buildRuleset(input: RulesetInput): Ruleset {
  const table = check(input.table, TABLE, 'table name');
  const bridges = [...new Set(input.bridges.map((b) => check(b, IFNAME, 'bridge name')))].sort();
  const groups = new Map(input.policy.securityGroups.map((g) => [g.groupId, g]));
  const tasks = new Map(input.ports.map((p) => [check(p.taskId, TASK, 'task id'), taskRules(p, groups)]));

  // Every group a local task's rules name as a peer gets a set of its members' addresses.
  const peerGroups = new Set<string>();
  for (const p of input.ports) {
    for (const gid of p.eni.securityGroupIds) {
      const g = groups.get(gid);
      for (const r of [...(g?.ingress ?? []), ...(g?.egress ?? [])]) if (r.groupId) peerGroups.add(r.groupId);
    }
  }
  const byAddress = (prefix: string): Elements => new Map([...tasks].map(([id, t]) => [t.ip, `${t.ip} : jump ${prefix}${id}`]));
  const inet = new Map<string, { type: string; elements: Elements }>([
    ['bridges', { type: 'ifname', elements: setElements(bridges.map(quoted)) }],
    ['same_bridge', { type: 'ifname . ifname', elements: setElements(bridges.map((b) => `${quoted(b)} . ${quoted(b)}`)) }],
    ['public', { type: 'ipv4_addr', elements: setElements(input.ports.filter((p) => p.eni.assignPublicIp).map((p) => tasks.get(p.taskId)!.ip)) }],
    ...[...peerGroups].sort().map((gid): [string, { type: string; elements: Elements }] => [setOf(gid), {
      type: 'ipv4_addr', elements: setElements((input.policy.members[gid] ?? []).map((ip) => check(ip, IPV4, 'member address'))),
    }]),
    ['egress', { type: 'ipv4_addr : verdict', elements: byAddress('out_') }],
    ['ingress', { type: 'ipv4_addr : verdict', elements: byAddress('in_') }],
  ]);
  if (inet.get('egress')!.elements.size !== tasks.size) throw new RulesetInputError('two tasks with one address');
  return {
    table, hooks: hooks(input.metadata, input.api), bridges, inet, tasks,
    bridgePorts: new Map([...tasks].map(([id, t]) => [quoted(t.hostIf), `${quoted(t.hostIf)} : jump port_${id}`])),
  };
}

export const elementList = (elements: Elements): string => [...elements.values()].join(', ');
export const isMap = (type: string): boolean => type.includes(':');

function declare(kind: 'set' | 'map', name: string, type: string, elements: Elements): string {
  return `  ${kind} ${name} { type ${type};${elements.size ? ` elements = { ${elementList(elements)} };` : ''} }`;
}

const block = (head: string, rules: readonly string[]): string[] => [`  chain ${head} {`, ...rules.map((r) => `    ${r}`), '  }'];

/** The `nft -f` script that replaces this agent's tables with `r`. */
export function renderRuleset(r: Ruleset): string {
  const t = r.table;
  const reset = [`table inet ${t} {}`, `delete table inet ${t}`, `table bridge ${t} {}`, `delete table bridge ${t}`];
  if (r.bridges.length === 0) return `${reset.join('\n')}\n`;
  const sets = [...r.inet].filter(([, s]) => !isMap(s.type));
  const maps = [...r.inet].filter(([, s]) => isMap(s.type));
  const inet = [
    `table inet ${t} {`,
    ...sets.map(([name, s]) => declare('set', name, s.type, s.elements)),
    ...[...r.tasks].flatMap(([id, task]) => [...block(`out_${id}`, task.egress), ...block(`in_${id}`, task.ingress)]),
    ...maps.map(([name, s]) => declare('map', name, s.type, s.elements)),
    ...block('forward', ['type filter hook forward priority filter; policy accept;', ...r.hooks.forward]),
    ...block('input', ['type filter hook input priority filter; policy accept;', ...r.hooks.input]),
    ...block('postrouting', ['type nat hook postrouting priority srcnat; policy accept;', ...r.hooks.postrouting]),
    ...(r.hooks.prerouting.length ? block('prerouting', ['type nat hook prerouting priority dstnat; policy accept;', ...r.hooks.prerouting]) : []),
    '}',
  ];
  const bridge = [
    `table bridge ${t} {`,
    ...[...r.tasks].flatMap(([id, task]) => block(`port_${id}`, task.port)),
    declare('map', 'ports', 'ifname : verdict', r.bridgePorts),
    ...block('prerouting', ['type filter hook prerouting priority filter; policy accept;', 'iifname vmap @ports']),
    '}',
  ];
  return `${[...reset, ...inet, ...bridge].join('\n')}\n`;
}
