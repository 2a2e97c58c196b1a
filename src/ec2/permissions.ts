/**
 * Security group rules as EC2 states them (pure): IpPermissions in, one rule per source out, and
 * back again grouped by protocol and ports as DescribeSecurityGroups shows them.
 */
import type { SecurityGroupRuleRecord } from '../store/store.js';
import { parseCidr } from './cidr.js';
import { Ec2Error, Ec2ErrorCode, invalidValue } from './errors.js';

export interface IpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  UserIdGroupPairs?: { GroupId?: string; GroupName?: string; UserId?: string; Description?: string }[];
  Ipv6Ranges?: unknown[];
  PrefixListIds?: unknown[];
}

/** A rule before it has an id; the source group is still a name or id as the caller gave it. */
export interface RuleSpec {
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  source?: { groupId?: string; groupName?: string };
  description?: string;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': '-1', all: '-1' };

/** "TCP", "6" → "tcp"; "-1"/"all" → "-1"; other protocol numbers stay numbers. */
export function normaliseProtocol(text: string | undefined): string {
  if (text === undefined || text === '') throw new Ec2Error(Ec2ErrorCode.MissingParameter, 'The request must contain the parameter ipProtocol');
  const named = PROTOCOL_NAMES[text.toLowerCase()];
  if (named) return named;
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255) return String(Number(text));
  throw invalidValue(text, 'ipProtocol', 'Unknown protocol.');
}

function ports(protocol: string, from: number | undefined, to: number | undefined): { fromPort?: number; toPort?: number } {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`);
    }
    if (from < 0 || to > 65535 || from > to) {
      throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `Invalid value '${from}-${to}' for portRange: ports are 0-65535 and from <= to.`);
    }
    return { fromPort: from, toPort: to };
  }
  if (protocol === 'icmp') {
    const type = from ?? -1;
    const code = to ?? -1;
    if (type < -1 || type > 255 || code < -1 || code > 255 || (type === -1 && code !== -1)) {
      throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `Invalid value '${type}/${code}' for ICMP type/code.`);
    }
    return { fromPort: type, toPort: code };
  }
  return {};
}

function cidrOf(text: string | undefined): string {
  if (text === undefined || !parseCidr(text)) {
    throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `CIDR block ${text ?? ''} is malformed`);
  }
  return text;
}

/** Expands IpPermissions (or the older flat CidrIp/IpProtocol/… members) into one spec per source. */
export function parsePermissions(input: {
  IpPermissions?: IpPermission[]; IpProtocol?: string; FromPort?: number; ToPort?: number; CidrIp?: string; SourceSecurityGroupName?: string;
}): RuleSpec[] {
  const permissions = [...(input.IpPermissions ?? [])];
  const flat = input.IpProtocol !== undefined || input.CidrIp !== undefined || input.SourceSecurityGroupName !== undefined;
  if (flat) {
    permissions.push({
      IpProtocol: input.IpProtocol ?? '-1', FromPort: input.FromPort, ToPort: input.ToPort,
      ...(input.CidrIp !== undefined ? { IpRanges: [{ CidrIp: input.CidrIp }] } : {}),
      ...(input.SourceSecurityGroupName !== undefined ? { UserIdGroupPairs: [{ GroupName: input.SourceSecurityGroupName }] } : {}),
    });
  }
  if (permissions.length === 0) throw new Ec2Error(Ec2ErrorCode.MissingParameter, 'The request must contain the parameter ipPermissions');
  const specs: RuleSpec[] = [];
  for (const p of permissions) {
    if ((p.Ipv6Ranges?.length ?? 0) > 0 || (p.PrefixListIds?.length ?? 0) > 0) {
      throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, 'Pier does not support IPv6 ranges or prefix lists in security group rules yet.');
    }
    const ipProtocol = normaliseProtocol(p.IpProtocol);
    const base = { ipProtocol, ...ports(ipProtocol, p.FromPort, p.ToPort) };
    const before = specs.length;
    for (const r of p.IpRanges ?? []) {
      specs.push({ ...base, cidrIpv4: cidrOf(r.CidrIp), ...(r.Description !== undefined ? { description: r.Description } : {}) });
    }
    for (const g of p.UserIdGroupPairs ?? []) {
      if (g.GroupId === undefined && g.GroupName === undefined) {
        throw new Ec2Error(Ec2ErrorCode.MissingParameter, 'The request must contain the parameter groupId or groupName for each security group pair');
      }
      const source = g.GroupId !== undefined ? { groupId: g.GroupId } : { groupName: g.GroupName! };
      specs.push({ ...base, source, ...(g.Description !== undefined ? { description: g.Description } : {}) });
    }
    if (specs.length === before) {
      throw new Ec2Error(Ec2ErrorCode.MissingParameter, 'The request must contain an IP range or a security group as the source of each permission');
    }
  }
  return specs;
}

/** What makes two rules the same rule (descriptions do not). */
export function ruleKey(r: Pick<SecurityGroupRuleRecord, 'isEgress' | 'ipProtocol' | 'fromPort' | 'toPort' | 'cidrIpv4' | 'referencedGroupId'>): string {
  return [r.isEgress ? 'out' : 'in', r.ipProtocol, r.fromPort ?? '', r.toPort ?? '', r.cidrIpv4 ?? '', r.referencedGroupId ?? ''].join('|');
}

/** How EC2 names a rule in InvalidPermission.Duplicate. */
export function describeRule(r: SecurityGroupRuleRecord): string {
  const protocol = r.ipProtocol === '-1' ? 'ALL' : r.ipProtocol.toUpperCase();
  const portText = r.fromPort !== undefined ? `, from port: ${r.fromPort}, to port: ${r.toPort}` : '';
  return `peer: ${r.cidrIpv4 ?? r.referencedGroupId}, ${protocol}${portText}, ALLOW`;
}

/** Rules grouped into IpPermissions (one per protocol and port range), in first-seen order. */
export function permissionsToWire(rules: readonly SecurityGroupRuleRecord[], accountId: string): Record<string, unknown>[] {
  const byKey = new Map<string, { p: Record<string, unknown>; ranges: unknown[]; groups: unknown[] }>();
  for (const r of rules) {
    const key = `${r.ipProtocol}|${r.fromPort ?? ''}|${r.toPort ?? ''}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { p: { IpProtocol: r.ipProtocol, ...(r.fromPort !== undefined ? { FromPort: r.fromPort, ToPort: r.toPort } : {}) }, ranges: [], groups: [] };
      byKey.set(key, entry);
    }
    const description = r.description !== undefined ? { Description: r.description } : {};
    if (r.cidrIpv4 !== undefined) entry.ranges.push({ CidrIp: r.cidrIpv4, ...description });
    if (r.referencedGroupId !== undefined) entry.groups.push({ GroupId: r.referencedGroupId, UserId: accountId, ...description });
  }
  return [...byKey.values()].map((e) => ({ ...e.p, IpRanges: e.ranges, Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: e.groups }));
}
