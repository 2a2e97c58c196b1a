/**
 * Network interfaces: the IPAM entry points the RunTask path calls inside its own transaction
 * (allocateEni / releaseEni), and DescribeNetworkInterfaces.
 *
 * allocateEni gives the lowest free address of the subnet (AWS's five reserved addresses never
 * handed out) and never the same address twice: the gap search and the insert run in the
 * caller's write transaction, and network_interfaces has UNIQUE (subnet_id, private_ip). A full
 * subnet, a missing subnet or a security group outside the subnet's VPC come back as a typed
 * failure, so the caller can fail placement with a reason instead of crashing.
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { Tag } from '../ecs/wire.js';
import type { NetworkInterfaceRecord, Repos, SecurityGroupRecord } from '../store/store.js';
import { formatIpv4 } from './cidr.js';
import { compileFilters, type Filter, type FilterFields } from './filters.js';
import { Ec2Error, Ec2ErrorCode } from './errors.js';
import { requireAll } from './lookups.js';
import { ResourceKind, newId } from './resources.js';
import { DEFAULT_GROUP_NAME } from './security-groups.js';
import { tagsToWire } from './tags.js';

/** What allocateEni needs of the control plane: ids, time and the region (for DNS names). */
export type EniContext = Pick<ControlPlane, 'ids' | 'clock' | 'scope'>;

export interface AllocateEniInput {
  readonly subnetId: string;
  /** Empty: the VPC's `default` security group, as ECS does. */
  readonly securityGroupIds: readonly string[];
  readonly taskArn?: string;
  /** Shown by DescribeNetworkInterfaces; ECS uses "arn:aws:ecs:…:attachment/<uuid>". */
  readonly description: string;
}

export interface EniAllocation {
  readonly networkInterfaceId: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  /** Dotted quad, e.g. 172.31.0.4. */
  readonly privateIpAddress: string;
  readonly macAddress: string;
  /** ip-172-31-0-4.<region>.compute.internal */
  readonly privateDnsName: string;
  readonly securityGroupIds: readonly string[];
}

export const EniFailureReason = {
  SubnetFull: 'SubnetFull',
  SubnetNotFound: 'SubnetNotFound',
  SecurityGroupNotFound: 'SecurityGroupNotFound',
  SecurityGroupInOtherVpc: 'SecurityGroupInOtherVpc',
} as const;
export type EniFailureReason = (typeof EniFailureReason)[keyof typeof EniFailureReason];

export type AllocateEniResult =
  | { readonly ok: true; readonly eni: EniAllocation }
  | { readonly ok: false; readonly reason: EniFailureReason; readonly message: string };

export function privateDnsName(ip: string, region: string): string {
  return `ip-${ip.replaceAll('.', '-')}.${region}.compute.internal`;
}

/** A locally administered unicast MAC address from an id source (like EC2's 0a:…/12:… addresses). */
function newMac(cp: EniContext): string {
  const hex = cp.ids.hex32();
  const bytes = [0, 1, 2, 3, 4, 5].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function toAllocation(r: NetworkInterfaceRecord, region: string): EniAllocation {
  const ip = formatIpv4(r.privateIpAddress);
  return {
    networkInterfaceId: r.id, subnetId: r.subnetId, vpcId: r.vpcId, availabilityZone: r.availabilityZone,
    privateIpAddress: ip, macAddress: r.macAddress, privateDnsName: privateDnsName(ip, region), securityGroupIds: r.securityGroupIds,
  };
}

/** Allocates an interface and address in `tx` (the caller's write transaction). */
export async function allocateEni(tx: Repos, input: AllocateEniInput, cp: EniContext): Promise<AllocateEniResult> {
  const subnet = await tx.subnets.get(input.subnetId);
  if (!subnet) return { ok: false, reason: EniFailureReason.SubnetNotFound, message: `The subnet ID '${input.subnetId}' does not exist` };
  const groups: SecurityGroupRecord[] = [];
  if (input.securityGroupIds.length === 0) {
    const fallback = await tx.securityGroups.getByName(subnet.vpcId, DEFAULT_GROUP_NAME);
    if (fallback) groups.push(fallback);
  }
  for (const id of new Set(input.securityGroupIds)) {
    const g = await tx.securityGroups.get(id);
    if (!g) return { ok: false, reason: EniFailureReason.SecurityGroupNotFound, message: `The security group '${id}' does not exist` };
    if (g.vpcId !== subnet.vpcId) {
      return { ok: false, reason: EniFailureReason.SecurityGroupInOtherVpc, message: `Security group ${id} is in ${g.vpcId}, not in the subnet's VPC ${subnet.vpcId}` };
    }
    groups.push(g);
  }
  const record = {
    id: newId(cp.ids, ResourceKind.networkInterface), subnetId: subnet.id, vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone, macAddress: newMac(cp), securityGroupIds: groups.map((g) => g.id),
    description: input.description, ...(input.taskArn !== undefined ? { taskArn: input.taskArn } : {}), createdAt: cp.clock.now(),
  };
  const ip = await tx.networkInterfaces.insertWithLowestFreeAddress(record, { first: subnet.firstAddress, last: subnet.lastAddress });
  if (ip === undefined) {
    return { ok: false, reason: EniFailureReason.SubnetFull, message: `There are not enough free addresses in subnet '${subnet.id}' (${subnet.cidrBlock}) to satisfy the requested number of instances.` };
  }
  return { ok: true, eni: toAllocation({ ...record, privateIpAddress: ip }, cp.scope.region) };
}

/** Frees the interface and its address; false when there was no such interface. Idempotent. */
export async function releaseEni(tx: Repos, networkInterfaceId: string): Promise<boolean> {
  const eni = await tx.networkInterfaces.get(networkInterfaceId);
  if (!eni) return false;
  await tx.networkInterfaces.remove(eni.id);
  await tx.ec2Tags.removeAll(eni.id);
  return true;
}

interface EniView { n: NetworkInterfaceRecord; ip: string; groups: SecurityGroupRecord[] }

const eniFields = (cp: ControlPlane): FilterFields<EniView> => ({
  'network-interface-id': (v) => v.n.id,
  'subnet-id': (v) => v.n.subnetId,
  'vpc-id': (v) => v.n.vpcId,
  'availability-zone': (v) => v.n.availabilityZone,
  'group-id': (v) => v.groups.map((g) => g.id),
  'group-name': (v) => v.groups.map((g) => g.name),
  'private-ip-address': (v) => v.ip,
  'addresses.private-ip-address': (v) => v.ip,
  'private-dns-name': (v) => privateDnsName(v.ip, cp.scope.region),
  'mac-address': (v) => v.n.macAddress,
  'description': (v) => v.n.description,
  'status': () => 'in-use',
  'owner-id': () => cp.scope.accountId,
  'requester-managed': () => true,
  'interface-type': () => 'interface',
});

function eniToWire(cp: ControlPlane, v: EniView, tags: readonly Tag[] | undefined): Record<string, unknown> {
  const dns = privateDnsName(v.ip, cp.scope.region);
  return {
    AvailabilityZone: v.n.availabilityZone,
    Description: v.n.description,
    Groups: v.groups.map((g) => ({ GroupId: g.id, GroupName: g.name })),
    InterfaceType: 'interface',
    Ipv6Addresses: [],
    MacAddress: v.n.macAddress,
    NetworkInterfaceId: v.n.id,
    OwnerId: cp.scope.accountId,
    PrivateDnsName: dns,
    PrivateIpAddress: v.ip,
    PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dns, PrivateIpAddress: v.ip }],
    RequesterId: 'ecs',
    RequesterManaged: true,
    SourceDestCheck: true,
    Status: 'in-use',
    SubnetId: v.n.subnetId,
    VpcId: v.n.vpcId,
    ...(tags && tags.length > 0 ? { TagSet: tagsToWire(tags).Tags } : { TagSet: [] }),
  };
}

export async function describeNetworkInterfaces(cp: ControlPlane, input: { NetworkInterfaceIds?: string[]; Filters?: Filter[] }): Promise<Record<string, unknown>> {
  const read = cp.store.read;
  const match = compileFilters(input.Filters, eniFields(cp));
  const enis = input.NetworkInterfaceIds?.length
    ? await requireAll(input.NetworkInterfaceIds, async (id) => {
      const n = await read.networkInterfaces.get(id);
      if (!n) throw new Ec2Error(Ec2ErrorCode.InvalidNetworkInterfaceIdNotFound, `The networkInterface ID '${id}' does not exist`);
      return n;
    })
    : await read.networkInterfaces.list();
  const groups = new Map((await read.securityGroups.list()).map((g) => [g.id, g]));
  const tags = await read.ec2Tags.getMany(enis.map((n) => n.id));
  const views = enis.map((n) => ({ n, ip: formatIpv4(n.privateIpAddress), groups: n.securityGroupIds.flatMap((id) => groups.get(id) ?? []) }));
  return { NetworkInterfaces: views.filter((v) => match(v, tags.get(v.n.id) ?? [])).map((v) => eniToWire(cp, v, tags.get(v.n.id))) };
}
