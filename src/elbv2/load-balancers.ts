/**
 * CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer: application load balancers in a
 * VPC's subnets (two zones at least, one subnet per zone, as ELBv2 requires). Their listeners bind
 * on every load-balancer host (src/control-plane/load-balancing.ts); the DNS name is a `*.localhost`
 * name, which curl and browsers resolve to loopback.
 */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import { signalLoadBalancing } from '../control-plane/load-balancing.js';
import type { LoadBalancerRecord, Repos } from '../store/store.js';
import {
  DuplicateLoadBalancerNameException, InvalidConfigurationRequestException, InvalidSecurityGroupException,
  LoadBalancerNotFoundException, SubnetNotFoundException,
} from './errors.js';
import {
  createOnce, dnsName, loadBalancerArn, loadBalancerToWire, page, shortId, type Wire,
} from './resources.js';
import { parseTags, type WireTag } from './tag-list.js';
import { checkName } from './validate.js';

export interface CreateLoadBalancerInput {
  Name: string;
  Subnets?: string[];
  SubnetMappings?: { SubnetId?: string; AllocationId?: string; PrivateIPv4Address?: string; IPv6Address?: string }[];
  SecurityGroups?: string[];
  Scheme?: 'internet-facing' | 'internal';
  Tags?: WireTag[];
  Type?: string;
  IpAddressType?: string;
  CustomerOwnedIpv4Pool?: string;
}

/** The subnets named, one per zone in zone order, all in one VPC. */
async function parseSubnets(repos: Repos, input: CreateLoadBalancerInput): Promise<{ vpcId: string; subnets: LoadBalancerRecord['subnets'] }> {
  if (input.Subnets !== undefined && input.SubnetMappings !== undefined) throw validationError('You can specify subnets or subnet mappings, not both');
  for (const m of input.SubnetMappings ?? []) {
    if (m.AllocationId !== undefined || m.PrivateIPv4Address !== undefined || m.IPv6Address !== undefined) {
      throw new InvalidConfigurationRequestException('Application load balancers take subnet mappings without Elastic IP or private addresses');
    }
  }
  const ids = input.Subnets ?? (input.SubnetMappings ?? []).map((m) => m.SubnetId ?? '');
  const subnets: LoadBalancerRecord['subnets'] = [];
  let vpcId: string | undefined;
  for (const id of ids) {
    const s = await repos.subnets.get(id);
    if (!s) throw new SubnetNotFoundException(`The subnet ID '${id}' is not valid`);
    if (vpcId !== undefined && s.vpcId !== vpcId) throw new InvalidConfigurationRequestException('The subnets must all belong to the same VPC');
    vpcId = s.vpcId;
    if (subnets.some((x) => x.availabilityZone === s.availabilityZone)) {
      throw new InvalidConfigurationRequestException('A load balancer cannot be attached to multiple subnets in the same Availability Zone');
    }
    subnets.push({ subnetId: s.id, availabilityZone: s.availabilityZone });
  }
  if (subnets.length < 2 || vpcId === undefined) throw validationError('At least two subnets in two different Availability Zones must be specified');
  return { vpcId, subnets: subnets.sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone)) };
}

/** The groups named (each in the VPC), or the VPC's default group. */
async function parseSecurityGroups(repos: Repos, vpcId: string, ids: readonly string[] | undefined): Promise<string[]> {
  if (ids === undefined) {
    const group = await repos.securityGroups.getByName(vpcId, 'default');
    return group ? [group.id] : [];
  }
  for (const id of ids) {
    const g = await repos.securityGroups.get(id);
    if (!g || g.vpcId !== vpcId) throw new InvalidSecurityGroupException(`Security group '${id}' does not exist in VPC '${vpcId}'`);
  }
  return [...new Set(ids)];
}

const sameSettings = (a: LoadBalancerRecord, b: LoadBalancerRecord): boolean =>
  a.scheme === b.scheme && a.vpcId === b.vpcId && JSON.stringify(a.subnets) === JSON.stringify(b.subnets)
  && JSON.stringify([...a.securityGroups].sort()) === JSON.stringify([...b.securityGroups].sort());

export async function createLoadBalancer(cp: ControlPlane, input: CreateLoadBalancerInput): Promise<Wire> {
  checkName('Load balancer', input.Name);
  if (input.Type !== undefined && input.Type !== 'application') {
    throw validationError(`Load balancer type '${input.Type}' is not supported by Pier: create an 'application' load balancer`);
  }
  if (input.IpAddressType !== undefined && input.IpAddressType !== 'ipv4') {
    throw validationError(`IP address type '${input.IpAddressType}' is not supported by Pier: use 'ipv4'`);
  }
  if (input.CustomerOwnedIpv4Pool !== undefined) throw validationError('Customer-owned IPv4 pools are not supported by Pier');
  const tags = parseTags(input.Tags);
  const id = shortId(cp.ids.hex32());
  const scheme = input.Scheme ?? 'internet-facing';
  const lb = await cp.store.transaction(async (tx) => {
    const { vpcId, subnets } = await parseSubnets(tx, input);
    const record: LoadBalancerRecord = {
      arn: loadBalancerArn(cp.scope, input.Name, id), name: input.Name, dnsName: dnsName(cp.scope, input.Name, id, scheme),
      scheme, vpcId, subnets, securityGroups: await parseSecurityGroups(tx, vpcId, input.SecurityGroups),
      ipAddressType: 'ipv4', createdAt: cp.clock.now(),
    };
    return createOnce(tx, await tx.elbv2.getLoadBalancerByName(input.Name), record, {
      same: sameSettings, insert: () => tx.elbv2.insertLoadBalancer(record), tags,
      duplicate: () => new DuplicateLoadBalancerNameException(`A load balancer with the same name '${input.Name}' exists, but with different settings`),
    });
  });
  signalLoadBalancing(cp);
  return { LoadBalancers: [loadBalancerToWire(lb, cp.clock.now())] };
}

export async function describeLoadBalancers(
  cp: ControlPlane, input: { LoadBalancerArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number },
): Promise<Wire> {
  if (input.LoadBalancerArns !== undefined && input.Names !== undefined) {
    throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
  }
  let lbs = await cp.store.read.elbv2.listLoadBalancers();
  if (input.Names !== undefined) {
    const missing = input.Names.filter((n) => !lbs.some((lb) => lb.name === n));
    if (missing.length > 0) throw new LoadBalancerNotFoundException(`Load balancers '[${missing.join(', ')}]' not found`);
    lbs = lbs.filter((lb) => input.Names!.includes(lb.name));
  }
  if (input.LoadBalancerArns !== undefined) {
    if (input.LoadBalancerArns.some((arn) => !lbs.some((lb) => lb.arn === arn))) throw new LoadBalancerNotFoundException('One or more load balancers not found');
    lbs = lbs.filter((lb) => input.LoadBalancerArns!.includes(lb.arn));
  }
  const p = page(lbs, (lb) => lb.name, input.Marker, input.PageSize);
  const now = cp.clock.now();
  return { LoadBalancers: p.items.map((lb) => loadBalancerToWire(lb, now)), ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) };
}

/** Deletes the load balancer and its listeners; as in ELBv2, deleting one that is gone succeeds. */
export async function deleteLoadBalancer(cp: ControlPlane, input: { LoadBalancerArn: string }): Promise<Wire> {
  if (!/^arn:[^:]+:elasticloadbalancing:[^:]*:\d*:loadbalancer\//.test(input.LoadBalancerArn)) {
    throw validationError(`'${input.LoadBalancerArn}' is not a valid load balancer ARN`);
  }
  const removed = await cp.store.transaction(async (tx) => {
    if (!(await tx.elbv2.getLoadBalancer(input.LoadBalancerArn))) return false;
    await tx.elbv2.removeLoadBalancer(input.LoadBalancerArn);
    return true;
  });
  if (removed) signalLoadBalancing(cp);
  return {};
}
