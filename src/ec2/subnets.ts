/**
 * CreateSubnet, DescribeSubnets, DeleteSubnet. A subnet's CIDR lies inside its VPC's, overlaps no
 * other subnet of the VPC, and sits in one of the platform's availability zones.
 * AvailableIpAddressCount is the usable addresses (five are reserved) minus those allocated.
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { Tag } from '../ecs/wire.js';
import type { Repos, SubnetRecord, VpcRecord } from '../store/store.js';
import { zoneIdOf, zonesOf } from './availability-zones.js';
import { cidrContains, cidrsOverlap, formatCidr, parseCidr, usableRange, type Cidr } from './cidr.js';
import { Ec2Error, Ec2ErrorCode, invalidValue, missingParameter } from './errors.js';
import { compileFilters, type Filter, type FilterFields } from './filters.js';
import { requireAll, requireSubnet, requireVpc } from './lookups.js';
import { ResourceKind, ec2Arn, newId } from './resources.js';
import { parseTagSpecifications, tagsToWire, type TagSpecification } from './tags.js';

type Wire = Record<string, unknown>;
interface SubnetView { s: SubnetRecord; available: number }

export function availableAddresses(s: SubnetRecord, allocated: number): number {
  return Math.max(0, s.lastAddress - s.firstAddress + 1 - allocated);
}

function subnetToWire(cp: ControlPlane, v: SubnetView, tags: readonly Tag[] | undefined): Wire {
  const s = v.s;
  const zoneId = zoneIdOf(cp, s.availabilityZone);
  return {
    AvailabilityZone: s.availabilityZone,
    ...(zoneId !== undefined ? { AvailabilityZoneId: zoneId } : {}),
    AvailableIpAddressCount: v.available,
    CidrBlock: s.cidrBlock,
    DefaultForAz: s.defaultForAz,
    MapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    MapCustomerOwnedIpOnLaunch: false,
    State: 'available',
    SubnetId: s.id,
    VpcId: s.vpcId,
    OwnerId: cp.scope.accountId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    SubnetArn: ec2Arn(cp.scope, ResourceKind.subnet, s.id),
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    ...tagsToWire(tags),
  };
}

const subnetFields = (cp: ControlPlane): FilterFields<SubnetView> => ({
  'subnet-id': (v) => v.s.id,
  'vpc-id': (v) => v.s.vpcId,
  'vpcId': (v) => v.s.vpcId,
  'cidr': (v) => v.s.cidrBlock,
  'cidr-block': (v) => v.s.cidrBlock,
  'cidrBlock': (v) => v.s.cidrBlock,
  'availability-zone': (v) => v.s.availabilityZone,
  'availabilityZone': (v) => v.s.availabilityZone,
  'availability-zone-id': (v) => zoneIdOf(cp, v.s.availabilityZone),
  'availabilityZoneId': (v) => zoneIdOf(cp, v.s.availabilityZone),
  'default-for-az': (v) => v.s.defaultForAz,
  'defaultForAz': (v) => v.s.defaultForAz,
  'map-public-ip-on-launch': (v) => v.s.mapPublicIpOnLaunch,
  'available-ip-address-count': (v) => v.available,
  'availableIpAddressCount': (v) => v.available,
  'state': () => 'available',
  'owner-id': () => cp.scope.accountId,
  'subnet-arn': (v) => ec2Arn(cp.scope, ResourceKind.subnet, v.s.id),
});

/** Inserts a subnet after the range and overlap checks (inside the caller's transaction). */
export async function insertSubnet(cp: ControlPlane, tx: Repos, vpc: VpcRecord, cidr: Cidr, opts: {
  availabilityZone: string; isDefault: boolean; tags: readonly Tag[];
}): Promise<SubnetRecord> {
  const text = formatCidr(cidr);
  if (cidr.prefix < 16 || cidr.prefix > 28 || !cidrContains(parseCidr(vpc.cidrBlock)!, cidr)) {
    throw new Ec2Error(Ec2ErrorCode.InvalidSubnetRange, `The CIDR '${text}' is invalid.`);
  }
  for (const other of await tx.subnets.list({ vpcId: vpc.id })) {
    if (cidrsOverlap(parseCidr(other.cidrBlock)!, cidr)) {
      throw new Ec2Error(Ec2ErrorCode.InvalidSubnetConflict, `The CIDR '${text}' conflicts with another subnet`);
    }
  }
  const range = usableRange(cidr);
  const subnet: SubnetRecord = {
    id: newId(cp.ids, ResourceKind.subnet), vpcId: vpc.id, cidrBlock: text, availabilityZone: opts.availabilityZone,
    defaultForAz: opts.isDefault, mapPublicIpOnLaunch: opts.isDefault,
    firstAddress: range.first, lastAddress: range.last, createdAt: cp.clock.now(),
  };
  await tx.subnets.insert(subnet);
  await tx.ec2Tags.put(subnet.id, opts.tags);
  return subnet;
}

export async function createSubnet(cp: ControlPlane, input: {
  VpcId: string; CidrBlock?: string; AvailabilityZone?: string; AvailabilityZoneId?: string; TagSpecifications?: TagSpecification[];
}): Promise<Wire> {
  if (input.CidrBlock === undefined) throw missingParameter('CidrBlock');
  const cidr = parseCidr(input.CidrBlock);
  if (!cidr) throw invalidValue(input.CidrBlock, 'cidrBlock', 'This is not a valid CIDR block.');
  const zones = cp.config.availabilityZones;
  if (input.AvailabilityZone !== undefined && !zones.includes(input.AvailabilityZone)) {
    throw invalidValue(input.AvailabilityZone, 'availabilityZone',
      `Subnets can currently only be created in the following availability zones: ${zones.join(', ')}.`);
  }
  const byId = input.AvailabilityZoneId === undefined ? undefined : zonesOf(cp).find((z) => z.id === input.AvailabilityZoneId);
  if (input.AvailabilityZoneId !== undefined) {
    if (!byId) {
      throw invalidValue(input.AvailabilityZoneId, 'availabilityZoneId',
        `Subnets can currently only be created in the following availability zone ids: ${zonesOf(cp).map((z) => z.id).join(', ')}.`);
    }
    if (input.AvailabilityZone !== undefined && input.AvailabilityZone !== byId.name) {
      throw new Ec2Error(Ec2ErrorCode.InvalidParameterCombination, `Availability zone ${input.AvailabilityZone} is not zone id ${byId.id}.`);
    }
  }
  const tags = parseTagSpecifications(input.TagSpecifications, ResourceKind.subnet.type);
  const subnet = await cp.store.transaction(async (tx) => {
    const vpc = await requireVpc(tx, input.VpcId);
    const zone = input.AvailabilityZone ?? byId?.name ?? await leastUsedZone(tx, vpc.id, zones);
    return insertSubnet(cp, tx, vpc, cidr, { availabilityZone: zone, isDefault: false, tags });
  });
  return { Subnet: subnetToWire(cp, { s: subnet, available: availableAddresses(subnet, 0) }, tags) };
}

/** Like EC2, a subnet without a zone goes where the VPC has the fewest subnets. */
async function leastUsedZone(tx: Repos, vpcId: string, zones: readonly string[]): Promise<string> {
  const subnets = await tx.subnets.list({ vpcId });
  const count = (z: string) => subnets.filter((s) => s.availabilityZone === z).length;
  return zones.reduce((best, z) => (count(z) < count(best) ? z : best), zones[0]!);
}

export async function describeSubnets(cp: ControlPlane, input: { SubnetIds?: string[]; Filters?: Filter[] }): Promise<Wire> {
  const read = cp.store.read;
  const match = compileFilters(input.Filters, subnetFields(cp));
  const subnets = input.SubnetIds?.length ? await requireAll(input.SubnetIds, (id) => requireSubnet(read, id)) : await read.subnets.list();
  const allocated = await read.subnets.allocatedCounts();
  const tags = await read.ec2Tags.getMany(subnets.map((s) => s.id));
  const views = subnets.map((s) => ({ s, available: availableAddresses(s, allocated.get(s.id) ?? 0) }));
  return { Subnets: views.filter((v) => match(v, tags.get(v.s.id) ?? [])).map((v) => subnetToWire(cp, v, tags.get(v.s.id))) };
}

/** Refused while a network interface (a task's address) is in the subnet. */
export async function deleteSubnet(cp: ControlPlane, input: { SubnetId: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const subnet = await requireSubnet(tx, input.SubnetId);
    if (await tx.networkInterfaces.countInSubnet(subnet.id) > 0) {
      throw new Ec2Error(Ec2ErrorCode.DependencyViolation, `The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
    }
    await tx.subnets.remove(subnet.id);
    await tx.ec2Tags.removeAll(subnet.id);
  });
  return undefined;
}
