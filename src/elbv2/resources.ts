/**
 * ELBv2 resources shared by the operations: ARNs, lookups that answer ELBv2's NotFound errors,
 * wire forms, markers, and which load balancers use which target groups.
 */
import { createHash } from 'node:crypto';
import { validationError } from '../api/query/errors.js';
import type { AccountScope } from '../ecs/arn.js';
import { ConflictError, type ListenerRecord, type LoadBalancerRecord, type Repos, type RuleRecord, type TargetGroupRecord } from '../store/store.js';
import {
  ListenerNotFoundException, LoadBalancerNotFoundException, RuleNotFoundException, TargetGroupNotFoundException,
} from './errors.js';
import { forwardedGroups } from './rule-parts.js';
import { putTags } from './tag-list.js';

export type Wire = Record<string, unknown>;

/** How long a new load balancer shows `provisioning` before `active`. */
export const PROVISIONING_MS = 1000;
/** The hosted zone ELB uses in us-east-1; Pier's names resolve locally, so any fixed id serves. */
const CANONICAL_HOSTED_ZONE_ID = 'Z35SXDOTRQ7X7K';
/** DescribeX page size when PageSize is not given (the model's maximum). */
export const MAX_PAGE_SIZE = 400;

const base = (s: AccountScope): string => `arn:${s.partition}:elasticloadbalancing:${s.region}:${s.accountId}:`;
export const loadBalancerArn = (s: AccountScope, name: string, id: string): string => `${base(s)}loadbalancer/app/${name}/${id}`;
export const targetGroupArn = (s: AccountScope, name: string, id: string): string => `${base(s)}targetgroup/${name}/${id}`;
/** `…:listener/app/<lb name>/<lb id>/<id>` */
export const listenerArn = (lbArn: string, id: string): string => `${lbArn.replace(':loadbalancer/', ':listener/')}/${id}`;
export const ruleArn = (lstArn: string, id: string): string => `${lstArn.replace(':listener/', ':listener-rule/')}/${id}`;
/** The listener a rule ARN belongs to (its last segment dropped), or undefined when it is no rule ARN. */
export function listenerOfRule(arn: string): string | undefined {
  if (!/^arn:[^:]+:elasticloadbalancing:[^:]*:\d*:listener-rule\/app\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/.test(arn)) return undefined;
  return arn.slice(0, arn.lastIndexOf('/')).replace(':listener-rule/', ':listener/');
}
/** The default rule's ARN, derived from its listener's so that it needs no row of its own. */
export const defaultRuleArn = (lstArn: string): string => ruleArn(lstArn, createHash('sha256').update(lstArn).digest('hex').slice(0, 16));
/** 16 hex characters, as ELBv2's resource ids. */
export const shortId = (hex32: string): string => hex32.slice(0, 16);

/** `NAME-DIGITS.REGION.elb.localhost` (`internal-` first for internal schemes): curl resolves any `*.localhost` to loopback. */
export function dnsName(s: AccountScope, name: string, id: string, scheme: string): string {
  const digits = String(parseInt(id.slice(0, 8), 16) % 10_000_000_000).padStart(10, '0');
  return `${scheme === 'internal' ? 'internal-' : ''}${name}-${digits}.${s.region}.elb.localhost`.toLowerCase();
}

export async function requireLoadBalancer(repos: Repos, arn: string): Promise<LoadBalancerRecord> {
  const lb = await repos.elbv2.getLoadBalancer(arn);
  if (!lb) throw new LoadBalancerNotFoundException(`Load balancer '${arn}' not found`);
  return lb;
}

export async function requireTargetGroup(repos: Repos, arn: string): Promise<TargetGroupRecord> {
  const tg = await repos.elbv2.getTargetGroup(arn);
  if (!tg) throw new TargetGroupNotFoundException(`Target groups '${arn}' not found`);
  return tg;
}

export async function requireListener(repos: Repos, arn: string): Promise<ListenerRecord> {
  const l = await repos.elbv2.getListener(arn);
  if (!l) throw new ListenerNotFoundException(`Listener '${arn}' not found`);
  return l;
}

/** A rule, or the listener's default rule (`rule` undefined). */
export async function requireRule(repos: Repos, arn: string): Promise<{ listener: ListenerRecord; rule?: RuleRecord }> {
  const notFound = () => new RuleNotFoundException(`Rule '${arn}' not found`);
  const lstArn = listenerOfRule(arn);
  const listener = lstArn === undefined ? undefined : await repos.elbv2.getListener(lstArn);
  if (!listener) throw notFound();
  if (defaultRuleArn(listener.arn) === arn) return { listener };
  const rule = await repos.elbv2.getRule(arn);
  if (!rule) throw notFound();
  return { listener, rule };
}

/** Each target group's load balancers: those whose listeners' default actions or rules forward to it. */
export async function loadBalancersByGroup(repos: Repos): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const listeners = new Map((await repos.elbv2.listListeners()).map((l) => [l.arn, l]));
  const add = (tg: string, lb: string) => out.set(tg, (out.get(tg) ?? new Set()).add(lb));
  for (const l of listeners.values()) for (const tg of forwardedGroups(l.defaultActions)) add(tg, l.loadBalancerArn);
  for (const r of await repos.elbv2.listRules()) {
    const l = listeners.get(r.listenerArn);
    if (l) for (const tg of forwardedGroups(r.actions)) add(tg, l.loadBalancerArn);
  }
  return out;
}

/**
 * ELBv2's Create calls are idempotent: with a resource of that name and the same settings they
 * answer it; with other settings they are refused (`duplicate`). Otherwise `record` is inserted
 * (a ConflictError from a racing insert is the same duplicate) and tagged.
 */
export async function createOnce<T extends { arn: string }>(
  tx: Repos, existing: T | undefined, record: T, o: { same: (a: T, b: T) => boolean; insert: () => Promise<void>; duplicate: () => Error; tags: readonly { key: string; value: string }[] },
): Promise<T> {
  if (existing && o.same(existing, record)) return existing;
  if (existing) throw o.duplicate();
  try {
    await o.insert();
  } catch (err) {
    throw err instanceof ConflictError ? o.duplicate() : err;
  }
  await putTags(tx, record.arn, o.tags);
  return record;
}

/** Checks that every named target group exists. */
export async function requireTargetGroups(repos: Repos, arns: readonly string[]): Promise<void> {
  for (const arn of arns) await requireTargetGroup(repos, arn);
}

export function loadBalancerToWire(lb: LoadBalancerRecord, now: number): Wire {
  return {
    LoadBalancerArn: lb.arn, DNSName: lb.dnsName, CanonicalHostedZoneId: CANONICAL_HOSTED_ZONE_ID, CreatedTime: lb.createdAt,
    LoadBalancerName: lb.name, Scheme: lb.scheme, VpcId: lb.vpcId,
    State: { Code: now - lb.createdAt >= PROVISIONING_MS ? 'active' : 'provisioning' }, Type: 'application',
    AvailabilityZones: lb.subnets.map((s) => ({ ZoneName: s.availabilityZone, SubnetId: s.subnetId, LoadBalancerAddresses: [] })),
    SecurityGroups: lb.securityGroups, IpAddressType: lb.ipAddressType,
  };
}

export function targetGroupToWire(tg: TargetGroupRecord, loadBalancerArns: readonly string[]): Wire {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn, TargetGroupName: tg.name, Protocol: tg.protocol, Port: tg.port, VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol, HealthCheckPort: hc.port, HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds, HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount, UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    HealthCheckPath: hc.path, Matcher: { HttpCode: hc.httpCode }, LoadBalancerArns: [...loadBalancerArns].sort(),
    TargetType: tg.targetType, ProtocolVersion: tg.protocolVersion, IpAddressType: tg.ipAddressType,
  };
}

export const listenerToWire = (l: ListenerRecord): Wire => ({
  ListenerArn: l.arn, LoadBalancerArn: l.loadBalancerArn, Port: l.port, Protocol: l.protocol, DefaultActions: l.defaultActions,
});

export const ruleToWire = (r: RuleRecord): Wire => ({
  RuleArn: r.arn, Priority: String(r.priority), Conditions: r.conditions, Actions: r.actions, IsDefault: false,
});

export const defaultRuleToWire = (l: ListenerRecord): Wire => ({
  RuleArn: defaultRuleArn(l.arn), Priority: 'default', Conditions: [], Actions: l.defaultActions, IsDefault: true,
});

/**
 * One page of `items` (sorted by `keyOf`) after the marker. A marker is the last key of the page
 * before, base64url-encoded; NextMarker is set only when more items follow.
 */
export function page<T>(items: readonly T[], keyOf: (t: T) => string, marker: string | undefined, pageSize: number | undefined): { items: T[]; nextMarker?: string } {
  let after: string | undefined;
  if (marker !== undefined) {
    after = Buffer.from(marker, 'base64url').toString('utf8');
    if (!after || Buffer.from(after, 'utf8').toString('base64url') !== marker) throw validationError(`Invalid marker '${marker}'`);
  }
  const rest = after === undefined ? items : items.filter((t) => keyOf(t) > after!);
  const size = pageSize ?? MAX_PAGE_SIZE;
  const pageItems = rest.slice(0, size);
  return rest.length > size ? { items: pageItems, nextMarker: Buffer.from(keyOf(pageItems[pageItems.length - 1]!), 'utf8').toString('base64url') } : { items: pageItems };
}
