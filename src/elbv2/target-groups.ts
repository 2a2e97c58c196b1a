/**
 * CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup and the attribute
 * calls. Pier's target groups are HTTP groups of target type ip, as Fargate tasks need: their
 * targets are task addresses in the group's VPC.
 */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import { signalLoadBalancing } from '../control-plane/load-balancing.js';
import type { TargetGroupRecord } from '../store/store.js';
import { DuplicateTargetGroupNameException, ResourceInUseException, TargetGroupNotFoundException } from './errors.js';
import {
  createOnce, loadBalancersByGroup, page, requireLoadBalancer, requireTargetGroup, shortId, targetGroupArn, targetGroupToWire, type Wire,
} from './resources.js';
import { parseTags, type WireTag } from './tag-list.js';
import {
  DEFAULT_HEALTH_CHECK, TARGET_GROUP_ATTRIBUTE_DEFAULTS, applyAttributes, checkName, parseHealthCheck, type HealthCheckInput,
} from './validate.js';

export interface CreateTargetGroupInput extends HealthCheckInput {
  Name: string;
  Protocol?: string;
  ProtocolVersion?: string;
  Port?: number;
  VpcId?: string;
  TargetType?: string;
  Tags?: WireTag[];
  IpAddressType?: string;
  TargetControlPort?: number;
}

function checkCreate(input: CreateTargetGroupInput): { port: number; vpcId: string } {
  checkName('Target group', input.Name);
  if (input.TargetType !== 'ip') {
    throw validationError(`Target type '${input.TargetType ?? 'instance'}' is not supported by Pier: create the target group with target type 'ip' (task addresses)`);
  }
  if (input.Protocol === undefined) throw validationError("A protocol must be specified for target type 'ip'");
  if (input.Protocol !== 'HTTP') throw validationError(`Target group protocol '${input.Protocol}' is not supported by Pier: use 'HTTP'`);
  if (input.ProtocolVersion !== undefined && input.ProtocolVersion !== 'HTTP1') {
    throw validationError(`Protocol version '${input.ProtocolVersion}' is not supported by Pier: use 'HTTP1'`);
  }
  if (input.IpAddressType !== undefined && input.IpAddressType !== 'ipv4') throw validationError(`IP address type '${input.IpAddressType}' is not supported by Pier: use 'ipv4'`);
  if (input.TargetControlPort !== undefined) throw validationError('Target control ports are not supported by Pier');
  if (input.Port === undefined) throw validationError("A port must be specified for target type 'ip'");
  if (input.VpcId === undefined) throw validationError("A VPC ID must be specified for target type 'ip'");
  return { port: input.Port, vpcId: input.VpcId };
}

const sameSettings = (a: TargetGroupRecord, b: TargetGroupRecord): boolean =>
  a.port === b.port && a.vpcId === b.vpcId && a.protocol === b.protocol && JSON.stringify(a.healthCheck) === JSON.stringify(b.healthCheck);

export async function createTargetGroup(cp: ControlPlane, input: CreateTargetGroupInput): Promise<Wire> {
  const { port, vpcId } = checkCreate(input);
  const healthCheck = parseHealthCheck(input, DEFAULT_HEALTH_CHECK);
  const tags = parseTags(input.Tags);
  const id = shortId(cp.ids.hex32());
  const record: TargetGroupRecord = {
    arn: targetGroupArn(cp.scope, input.Name, id), name: input.Name, protocol: 'HTTP', protocolVersion: 'HTTP1', port, vpcId,
    targetType: 'ip', ipAddressType: 'ipv4', healthCheck, attributes: { ...TARGET_GROUP_ATTRIBUTE_DEFAULTS }, createdAt: cp.clock.now(),
  };
  const tg = await cp.store.transaction(async (tx) => {
    if (!(await tx.vpcs.get(vpcId))) throw validationError(`The VPC ID '${vpcId}' is not found`);
    return createOnce(tx, await tx.elbv2.getTargetGroupByName(input.Name), record, {
      same: sameSettings, insert: () => tx.elbv2.insertTargetGroup(record), tags,
      duplicate: () => new DuplicateTargetGroupNameException(`A target group with the same name '${input.Name}' exists, but with different settings`),
    });
  });
  const users = await loadBalancersByGroup(cp.store.read);
  return { TargetGroups: [targetGroupToWire(tg, [...(users.get(tg.arn) ?? [])])] };
}

export async function describeTargetGroups(
  cp: ControlPlane, input: { LoadBalancerArn?: string; TargetGroupArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number },
): Promise<Wire> {
  const given = [input.LoadBalancerArn, input.TargetGroupArns, input.Names].filter((x) => x !== undefined).length;
  if (given > 1) throw validationError('Load balancer ARN, target group ARNs and target group names cannot be specified at the same time');
  const repos = cp.store.read;
  const users = await loadBalancersByGroup(repos);
  let groups = await repos.elbv2.listTargetGroups();
  if (input.LoadBalancerArn !== undefined) {
    await requireLoadBalancer(repos, input.LoadBalancerArn);
    groups = groups.filter((g) => users.get(g.arn)?.has(input.LoadBalancerArn!));
  }
  if (input.Names !== undefined) {
    const missing = input.Names.filter((n) => !groups.some((g) => g.name === n));
    if (missing.length > 0) throw new TargetGroupNotFoundException(`Target groups '[${missing.join(', ')}]' not found`);
    groups = groups.filter((g) => input.Names!.includes(g.name));
  }
  if (input.TargetGroupArns !== undefined) {
    if (input.TargetGroupArns.some((arn) => !groups.some((g) => g.arn === arn))) throw new TargetGroupNotFoundException('One or more target groups not found');
    groups = groups.filter((g) => input.TargetGroupArns!.includes(g.arn));
  }
  const p = page(groups, (g) => g.name, input.Marker, input.PageSize);
  return {
    TargetGroups: p.items.map((g) => targetGroupToWire(g, [...(users.get(g.arn) ?? [])])),
    ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}),
  };
}

export async function modifyTargetGroup(cp: ControlPlane, input: HealthCheckInput & { TargetGroupArn: string }): Promise<Wire> {
  const tg = await cp.store.transaction(async (tx) => {
    const current = await requireTargetGroup(tx, input.TargetGroupArn);
    const next = { ...current, healthCheck: parseHealthCheck(input, current.healthCheck) };
    await tx.elbv2.updateTargetGroup(next);
    return next;
  });
  signalLoadBalancing(cp);
  const users = await loadBalancersByGroup(cp.store.read);
  return { TargetGroups: [targetGroupToWire(tg, [...(users.get(tg.arn) ?? [])])] };
}

/** Refused while a listener or rule forwards to the group; deleting a group that is gone succeeds, as in ELBv2. */
export async function deleteTargetGroup(cp: ControlPlane, input: { TargetGroupArn: string }): Promise<Wire> {
  const removed = await cp.store.transaction(async (tx) => {
    if (!(await tx.elbv2.getTargetGroup(input.TargetGroupArn))) return false;
    if ((await loadBalancersByGroup(tx)).has(input.TargetGroupArn)) {
      throw new ResourceInUseException(`Target group '${input.TargetGroupArn}' is currently in use by a listener or a rule`);
    }
    await tx.elbv2.removeTargetGroup(input.TargetGroupArn);
    return true;
  });
  if (removed) signalLoadBalancing(cp);
  return {};
}

const attributesToWire = (attributes: Readonly<Record<string, string>>): Wire[] =>
  Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));

export async function describeTargetGroupAttributes(cp: ControlPlane, input: { TargetGroupArn: string }): Promise<Wire> {
  const tg = await requireTargetGroup(cp.store.read, input.TargetGroupArn);
  return { Attributes: attributesToWire(tg.attributes) };
}

export async function modifyTargetGroupAttributes(
  cp: ControlPlane, input: { TargetGroupArn: string; Attributes: { Key?: string; Value?: string }[] },
): Promise<Wire> {
  const tg = await cp.store.transaction(async (tx) => {
    const current = await requireTargetGroup(tx, input.TargetGroupArn);
    const next = { ...current, attributes: applyAttributes(current.attributes, input.Attributes) };
    await tx.elbv2.updateTargetGroup(next);
    return next;
  });
  signalLoadBalancing(cp);
  return { Attributes: attributesToWire(tg.attributes) };
}
