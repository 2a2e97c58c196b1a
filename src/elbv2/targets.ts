/**
 * RegisterTargets, DeregisterTargets, DescribeTargetHealth — and the same for the service
 * scheduler, which registers its tasks' addresses in the target groups of a service's
 * `loadBalancers` and drains them before stopping the tasks:
 *
 *   await cp.store.transaction(async (tx) => {
 *     const tg = await targetGroupInfo(tx, arn);            // undefined: no such group
 *     await registerTaskTargets(tx, arn, [{ id: '10.0.1.7', port: 8080 }], cp.clock.now());
 *   });
 *   signalLoadBalancing(cp);                                 // after the commit: hosts reload
 *   const health = await targetHealthState(cp.store.read, arn, { id: '10.0.1.7', port: 8080 }, cp.clock.now());
 *   // health?.State: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable'; undefined once gone
 *
 * A deregistered target drains (state draining) for the group's deregistration_delay.timeout_seconds
 * and is then removed (by housekeeping; DescribeTargetHealth stops showing it at once).
 */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import { signalLoadBalancing } from '../control-plane/load-balancing.js';
import { cidrContains, parseCidr, parseIpv4 } from '../ec2/cidr.js';
import type { Repos, TargetGroupRecord, TargetRecord } from '../store/store.js';
import { InvalidTargetException } from './errors.js';
import { drainEndsAt, targetHealth, type HostHealthReport, type TargetHealthWire } from './health.js';
import { loadBalancersByGroup, requireTargetGroup, type Wire } from './resources.js';
import { deregistrationDelaySeconds } from './validate.js';

export { signalLoadBalancing };

/** ELBv2's default quota of targets per target group. */
const MAX_TARGETS = 1000;

export interface TargetRef { id: string; port?: number }

/** What the scheduler needs of a target group: its port (a target's default) and VPC (where targets must lie). */
export interface TargetGroupInfo { arn: string; name: string; port: number; vpcId: string; deregistrationDelaySeconds: number }

/** The target group, or undefined when there is none with that ARN. */
export async function targetGroupInfo(repos: Repos, targetGroupArn: string): Promise<TargetGroupInfo | undefined> {
  const tg = await repos.elbv2.getTargetGroup(targetGroupArn);
  return tg && { arn: tg.arn, name: tg.name, port: tg.port, vpcId: tg.vpcId, deregistrationDelaySeconds: deregistrationDelaySeconds(tg.attributes) };
}

/** Checks ip targets as ELBv2 does: IPv4 addresses inside the group's VPC. */
async function checkTargets(repos: Repos, tg: TargetGroupRecord, targets: readonly TargetRef[]): Promise<void> {
  const vpc = await repos.vpcs.get(tg.vpcId);
  const block = vpc && parseCidr(vpc.cidrBlock);
  for (const t of targets) {
    const ip = parseIpv4(t.id);
    if (ip === undefined) throw new InvalidTargetException(`The IP address '${t.id}' is not a valid IPv4 address`);
    if (!block || !cidrContains(block, { network: ip, prefix: 32, last: ip, size: 1 })) {
      throw new InvalidTargetException(`The IP address '${t.id}' is not within the CIDR block of the target group's VPC '${tg.vpcId}'`);
    }
  }
}

/**
 * Registers targets (port defaults to the group's) inside the caller's transaction. Registering
 * a registered target changes nothing; registering a draining one makes it a new registration.
 * Throws TargetGroupNotFound, InvalidTarget (not IPv4, outside the group's VPC) or TooManyTargets.
 */
export async function registerTaskTargets(tx: Repos, targetGroupArn: string, targets: readonly TargetRef[], now: number): Promise<void> {
  const tg = await requireTargetGroup(tx, targetGroupArn);
  await checkTargets(tx, tg, targets);
  const current = await tx.elbv2.listTargets(tg.arn);
  const find = (id: string, port: number) => current.find((c) => c.id === id && c.port === port);
  let count = current.length;
  for (const t of targets) {
    const port = t.port ?? tg.port;
    const existing = find(t.id, port);
    if (existing && existing.drainingSince === undefined) continue;
    if (!existing) count += 1;
    if (count > MAX_TARGETS) throw new InvalidTargetException(`Target group '${tg.arn}' can hold at most ${MAX_TARGETS} targets`);
    await tx.elbv2.putTarget({ targetGroupArn: tg.arn, id: t.id, port, registeredAt: now });
  }
}

/**
 * Starts draining the targets inside the caller's transaction (with a delay of 0 they go at once).
 * Targets not registered are ignored here; DeregisterTargets refuses them.
 */
export async function deregisterTaskTargets(tx: Repos, targetGroupArn: string, targets: readonly TargetRef[], now: number): Promise<void> {
  const tg = await requireTargetGroup(tx, targetGroupArn);
  const delay = deregistrationDelaySeconds(tg.attributes);
  const current = await tx.elbv2.listTargets(tg.arn);
  for (const t of targets) {
    const existing = current.find((c) => c.id === t.id && c.port === (t.port ?? tg.port));
    if (!existing) continue;
    if (delay === 0) await tx.elbv2.removeTarget(tg.arn, existing.id, existing.port);
    else if (existing.drainingSince === undefined) await tx.elbv2.putTarget({ ...existing, drainingSince: now });
  }
}

/** Hosts' reports per target (`group id port`), from ACTIVE hosts only. */
async function reportsByTarget(repos: Repos): Promise<Map<string, HostHealthReport[]>> {
  const active = new Set((await repos.hosts.list()).filter((h) => h.status === 'ACTIVE').map((h) => h.id));
  const out = new Map<string, HostHealthReport[]>();
  for (const report of await repos.elbv2.healthReports()) {
    if (!active.has(report.hostId)) continue;
    for (const t of report.targets) {
      const key = `${t.targetGroupArn} ${t.id} ${t.port}`;
      out.set(key, [...(out.get(key) ?? []), { state: t.state, reason: t.reason, description: t.description, reportedAt: report.reportedAt } as HostHealthReport]);
    }
  }
  return out;
}

/** Health of the group's targets (undefined for those whose drain is over). */
async function healthOf(repos: Repos, tg: TargetGroupRecord, targets: readonly TargetRecord[], now: number): Promise<(TargetHealthWire | undefined)[]> {
  const inUse = (await loadBalancersByGroup(repos)).has(tg.arn);
  const reports = await reportsByTarget(repos);
  return targets.map((target) => targetHealth({
    target, inUse, healthCheckEnabled: tg.healthCheck.enabled, deregistrationDelaySeconds: deregistrationDelaySeconds(tg.attributes),
    reports: reports.get(`${tg.arn} ${target.id} ${target.port}`) ?? [], now,
  }));
}

/** One target's health, as DescribeTargetHealth would show it; undefined when it is not registered (or has finished draining). */
export async function targetHealthState(repos: Repos, targetGroupArn: string, target: TargetRef, now: number): Promise<TargetHealthWire | undefined> {
  const tg = await repos.elbv2.getTargetGroup(targetGroupArn);
  if (!tg) return undefined;
  const record = (await repos.elbv2.listTargets(tg.arn)).find((t) => t.id === target.id && t.port === (target.port ?? tg.port));
  return record && (await healthOf(repos, tg, [record], now))[0];
}

interface TargetInput { Id: string; Port?: number; AvailabilityZone?: string }

export async function registerTargets(cp: ControlPlane, input: { TargetGroupArn: string; Targets: TargetInput[] }): Promise<Wire> {
  for (const t of input.Targets) {
    if (t.AvailabilityZone !== undefined && t.AvailabilityZone !== 'all' && !cp.config.availabilityZones.includes(t.AvailabilityZone)) {
      throw validationError(`Availability zone '${t.AvailabilityZone}' is not valid`);
    }
  }
  await cp.store.transaction((tx) => registerTaskTargets(tx, input.TargetGroupArn, input.Targets.map((t) => ({ id: t.Id, ...(t.Port !== undefined ? { port: t.Port } : {}) })), cp.clock.now()));
  signalLoadBalancing(cp);
  return {};
}

export async function deregisterTargets(cp: ControlPlane, input: { TargetGroupArn: string; Targets: TargetInput[] }): Promise<Wire> {
  await cp.store.transaction(async (tx) => {
    const tg = await requireTargetGroup(tx, input.TargetGroupArn);
    // A target whose drain is over is gone, whether or not housekeeping has removed its row yet.
    const now = cp.clock.now();
    const current = (await tx.elbv2.listTargets(tg.arn)).filter((t) => !(now >= (drainEndsAt(t, deregistrationDelaySeconds(tg.attributes)) ?? Infinity)));
    const missing = input.Targets.filter((t) => !current.some((c) => c.id === t.Id && c.port === (t.Port ?? tg.port)));
    if (missing.length > 0) {
      throw new InvalidTargetException(`The following targets are not registered in target group '${tg.arn}': ${missing.map((t) => `'${t.Id}:${t.Port ?? tg.port}'`).join(', ')}`);
    }
    await deregisterTaskTargets(tx, tg.arn, input.Targets.map((t) => ({ id: t.Id, port: t.Port ?? tg.port })), now);
  });
  signalLoadBalancing(cp);
  return {};
}

export async function describeTargetHealth(cp: ControlPlane, input: { TargetGroupArn: string; Targets?: TargetInput[]; Include?: string[] }): Promise<Wire> {
  const repos = cp.store.read;
  const now = cp.clock.now();
  const tg = await requireTargetGroup(repos, input.TargetGroupArn);
  const registered = await repos.elbv2.listTargets(tg.arn);
  const healthCheckPort = (t: TargetRecord | TargetInput & { port: number }) => (tg.healthCheck.port === 'traffic-port' ? String(t.port) : tg.healthCheck.port);
  const describe = (t: TargetRecord, health: TargetHealthWire): Wire => ({
    Target: { Id: t.id, Port: t.port, ...(t.availabilityZone !== undefined ? { AvailabilityZone: t.availabilityZone } : {}) },
    HealthCheckPort: healthCheckPort(t), TargetHealth: health,
  });
  const asked = input.Targets?.map((t) => ({ id: t.Id, port: t.Port ?? tg.port })) ?? registered;
  const records = asked.map((a) => registered.find((r) => r.id === a.id && r.port === a.port));
  const health = await healthOf(repos, tg, records.filter((r): r is TargetRecord => r !== undefined), now);
  const out: Wire[] = [];
  let i = 0;
  for (const [n, a] of asked.entries()) {
    const record = records[n];
    const h = record ? health[i++] : undefined;
    if (record && h) out.push(describe(record, h));
    else if (input.Targets !== undefined) {
      out.push({
        Target: { Id: a.id, Port: a.port }, HealthCheckPort: healthCheckPort({ Id: a.id, port: a.port }),
        TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
      });
    }
  }
  return { TargetHealthDescriptions: out };
}

/** Removes targets whose deregistration delay is over; returns how many (housekeeping). */
export async function removeDrainedTargets(cp: ControlPlane): Promise<number> {
  const now = cp.clock.now();
  const removed = await cp.store.transaction(async (tx) => {
    const groups = new Map((await tx.elbv2.listTargetGroups()).map((g) => [g.arn, g]));
    let n = 0;
    for (const t of await tx.elbv2.listTargets()) {
      const tg = groups.get(t.targetGroupArn);
      const ends = tg && drainEndsAt(t, deregistrationDelaySeconds(tg.attributes));
      if (ends !== undefined && now >= ends) {
        await tx.elbv2.removeTarget(t.targetGroupArn, t.id, t.port);
        n += 1;
      }
    }
    return n;
  });
  if (removed > 0) signalLoadBalancing(cp);
  return removed;
}
