/** CreateVpc, DescribeVpcs, DeleteVpc. Every VPC gets its `default` security group when created. */
import type { ControlPlane } from '../control-plane/context.js';
import type { Tag } from '../ecs/wire.js';
import type { Repos, VpcRecord } from '../store/store.js';
import { formatCidr, parseCidr, type Cidr } from './cidr.js';
import { Ec2Error, Ec2ErrorCode, invalidValue, missingParameter } from './errors.js';
import { compileFilters, type Filter, type FilterFields } from './filters.js';
import { requireAll, requireVpc } from './lookups.js';
import { ResourceKind, newId } from './resources.js';
import { createDefaultSecurityGroup } from './security-groups.js';
import { parseTagSpecifications, tagsToWire, type TagSpecification } from './tags.js';

type Wire = Record<string, unknown>;

export function vpcToWire(cp: ControlPlane, v: VpcRecord, tags: readonly Tag[] | undefined): Wire {
  return {
    VpcId: v.id,
    OwnerId: cp.scope.accountId,
    InstanceTenancy: 'default',
    CidrBlockAssociationSet: [{
      AssociationId: `vpc-cidr-assoc-${v.id.slice(4)}`, CidrBlock: v.cidrBlock, CidrBlockState: { State: 'associated' },
    }],
    IsDefault: v.isDefault,
    State: 'available',
    CidrBlock: v.cidrBlock,
    DhcpOptionsId: 'default',
    ...tagsToWire(tags),
  };
}

const vpcFields = (cp: ControlPlane): FilterFields<VpcRecord> => ({
  'vpc-id': (v) => v.id,
  'cidr': (v) => v.cidrBlock,
  'cidr-block': (v) => v.cidrBlock,
  'cidrBlock': (v) => v.cidrBlock,
  'cidr-block-association.cidr-block': (v) => v.cidrBlock,
  'cidr-block-association.state': () => 'associated',
  'is-default': (v) => v.isDefault,
  'isDefault': (v) => v.isDefault,
  'state': () => 'available',
  'owner-id': () => cp.scope.accountId,
  'dhcp-options-id': () => 'default',
});

/** Inserts a VPC and its default security group (inside the caller's transaction). */
export async function insertVpc(cp: ControlPlane, tx: Repos, cidr: Cidr, isDefault: boolean, tags: readonly Tag[]): Promise<VpcRecord> {
  const vpc: VpcRecord = { id: newId(cp.ids, ResourceKind.vpc), cidrBlock: formatCidr(cidr), isDefault, createdAt: cp.clock.now() };
  await tx.vpcs.insert(vpc);
  await tx.ec2Tags.put(vpc.id, tags);
  await createDefaultSecurityGroup(cp, tx, vpc.id);
  return vpc;
}

export async function createVpc(cp: ControlPlane, input: { CidrBlock?: string; TagSpecifications?: TagSpecification[] }): Promise<Wire> {
  if (input.CidrBlock === undefined) throw missingParameter('CidrBlock');
  const cidr = parseCidr(input.CidrBlock);
  if (!cidr) throw invalidValue(input.CidrBlock, 'cidrBlock', 'This is not a valid CIDR block.');
  if (cidr.prefix < 16 || cidr.prefix > 28) {
    throw new Ec2Error(Ec2ErrorCode.InvalidVpcRange, `The CIDR '${input.CidrBlock}' is invalid: VPC blocks are /16 to /28.`);
  }
  const tags = parseTagSpecifications(input.TagSpecifications, ResourceKind.vpc.type);
  const vpc = await cp.store.transaction((tx) => insertVpc(cp, tx, cidr, false, tags));
  return { Vpc: vpcToWire(cp, vpc, tags) };
}

export async function describeVpcs(cp: ControlPlane, input: { VpcIds?: string[]; Filters?: Filter[] }): Promise<Wire> {
  const read = cp.store.read;
  const match = compileFilters(input.Filters, vpcFields(cp));
  const vpcs = input.VpcIds?.length ? await requireAll(input.VpcIds, (id) => requireVpc(read, id)) : await read.vpcs.list();
  const tags = await read.ec2Tags.getMany(vpcs.map((v) => v.id));
  return { Vpcs: vpcs.filter((v) => match(v, tags.get(v.id) ?? [])).map((v) => vpcToWire(cp, v, tags.get(v.id))) };
}

/** Refused while the VPC has subnets or security groups other than its default one. */
export async function deleteVpc(cp: ControlPlane, input: { VpcId: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const vpc = await requireVpc(tx, input.VpcId);
    const subnets = await tx.subnets.list({ vpcId: vpc.id });
    const groups = await tx.securityGroups.list({ vpcId: vpc.id });
    if (subnets.length > 0 || groups.some((g) => g.name !== 'default')) {
      throw new Ec2Error(Ec2ErrorCode.DependencyViolation, `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
    }
    for (const g of groups) {
      await tx.securityGroups.remove(g.id);
      await tx.ec2Tags.removeAll(g.id);
    }
    await tx.vpcs.remove(vpc.id);
    await tx.ec2Tags.removeAll(vpc.id);
  });
  return undefined;
}
