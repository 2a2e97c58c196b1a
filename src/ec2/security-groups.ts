/**
 * CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup. A new group allows all
 * outbound traffic; each VPC's `default` group also allows all inbound traffic from itself and
 * cannot be deleted (it goes with its VPC).
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { Tag } from '../ecs/wire.js';
import { ConflictError, type Repos, type SecurityGroupRecord, type SecurityGroupRuleRecord } from '../store/store.js';
import { Ec2Error, Ec2ErrorCode, invalidValue, missingParameter } from './errors.js';
import { compileFilters, type Filter, type FilterFields } from './filters.js';
import { requireAll, requireDefaultVpc, requireGroup, requireGroupByName, requireVpc } from './lookups.js';
import { permissionsToWire } from './permissions.js';
import { ResourceKind, ec2Arn, newId } from './resources.js';
import { parseTagSpecifications, tagsToWire, type TagSpecification } from './tags.js';

type Wire = Record<string, unknown>;
export const DEFAULT_GROUP_NAME = 'default';

export function allOutbound(cp: ControlPlane, groupId: string): SecurityGroupRuleRecord {
  return { id: newId(cp.ids, ResourceKind.securityGroupRule), groupId, isEgress: true, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' };
}

/** The VPC's `default` group: inbound from itself, all outbound. */
export async function createDefaultSecurityGroup(cp: ControlPlane, tx: Repos, vpcId: string): Promise<SecurityGroupRecord> {
  const group: SecurityGroupRecord = {
    id: newId(cp.ids, ResourceKind.securityGroup), vpcId, name: DEFAULT_GROUP_NAME,
    description: 'default VPC security group', createdAt: cp.clock.now(),
  };
  await tx.securityGroups.insert(group);
  await tx.securityGroups.insertRule({
    id: newId(cp.ids, ResourceKind.securityGroupRule), groupId: group.id, isEgress: false, ipProtocol: '-1', referencedGroupId: group.id,
  });
  await tx.securityGroups.insertRule(allOutbound(cp, group.id));
  return group;
}

function groupToWire(cp: ControlPlane, g: SecurityGroupRecord, rules: readonly SecurityGroupRuleRecord[], tags: readonly Tag[] | undefined): Wire {
  const mine = rules.filter((r) => r.groupId === g.id);
  return {
    GroupId: g.id,
    GroupName: g.name,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: cp.scope.accountId,
    SecurityGroupArn: ec2Arn(cp.scope, ResourceKind.securityGroup, g.id),
    IpPermissions: permissionsToWire(mine.filter((r) => !r.isEgress), cp.scope.accountId),
    IpPermissionsEgress: permissionsToWire(mine.filter((r) => r.isEgress), cp.scope.accountId),
    ...tagsToWire(tags),
  };
}

interface GroupView { g: SecurityGroupRecord; rules: SecurityGroupRuleRecord[] }
const perm = (egress: boolean, pick: (r: SecurityGroupRuleRecord) => string | number | undefined) =>
  (v: GroupView) => v.rules.filter((r) => r.isEgress === egress).map(pick);
const groupFields = (cp: ControlPlane): FilterFields<GroupView> => ({
  'group-id': (v) => v.g.id,
  'group-name': (v) => v.g.name,
  'vpc-id': (v) => v.g.vpcId,
  'description': (v) => v.g.description,
  'owner-id': () => cp.scope.accountId,
  'ip-permission.protocol': perm(false, (r) => r.ipProtocol),
  'ip-permission.from-port': perm(false, (r) => r.fromPort),
  'ip-permission.to-port': perm(false, (r) => r.toPort),
  'ip-permission.cidr': perm(false, (r) => r.cidrIpv4),
  'ip-permission.group-id': perm(false, (r) => r.referencedGroupId),
  'egress.ip-permission.protocol': perm(true, (r) => r.ipProtocol),
  'egress.ip-permission.from-port': perm(true, (r) => r.fromPort),
  'egress.ip-permission.to-port': perm(true, (r) => r.toPort),
  'egress.ip-permission.cidr': perm(true, (r) => r.cidrIpv4),
  'egress.ip-permission.group-id': perm(true, (r) => r.referencedGroupId),
});

export async function createSecurityGroup(cp: ControlPlane, input: {
  GroupName: string; Description: string; VpcId?: string; TagSpecifications?: TagSpecification[];
}): Promise<Wire> {
  const name = input.GroupName;
  if (name === '' || name.length > 255) throw invalidValue(name, 'GroupName', 'Group names are 1 to 255 characters.');
  if (name.toLowerCase().startsWith('sg-')) throw invalidValue(name, 'GroupName', 'Group names may not be in the format sg-*.');
  if (name === DEFAULT_GROUP_NAME) throw new Ec2Error(Ec2ErrorCode.InvalidGroupReserved, `The security group '${name}' is reserved`);
  if (input.Description === '' || input.Description.length > 255) {
    throw invalidValue(input.Description, 'GroupDescription', 'Descriptions are 1 to 255 characters.');
  }
  const tags = parseTagSpecifications(input.TagSpecifications, ResourceKind.securityGroup.type);
  const group = await cp.store.transaction(async (tx) => {
    const vpc = input.VpcId !== undefined ? await requireVpc(tx, input.VpcId) : await requireDefaultVpc(tx);
    const g: SecurityGroupRecord = {
      id: newId(cp.ids, ResourceKind.securityGroup), vpcId: vpc.id, name, description: input.Description, createdAt: cp.clock.now(),
    };
    try {
      await tx.securityGroups.insert(g);
    } catch (err) {
      if (err instanceof ConflictError) {
        throw new Ec2Error(Ec2ErrorCode.InvalidGroupDuplicate, `The security group '${name}' already exists for VPC '${vpc.id}'`);
      }
      throw err;
    }
    await tx.securityGroups.insertRule(allOutbound(cp, g.id));
    await tx.ec2Tags.put(g.id, tags);
    return g;
  });
  return { GroupId: group.id, SecurityGroupArn: ec2Arn(cp.scope, ResourceKind.securityGroup, group.id), ...tagsToWire(tags) };
}

export async function describeSecurityGroups(cp: ControlPlane, input: {
  GroupIds?: string[]; GroupNames?: string[]; Filters?: Filter[];
}): Promise<Wire> {
  const read = cp.store.read;
  const match = compileFilters(input.Filters, groupFields(cp));
  let groups: SecurityGroupRecord[];
  if (input.GroupIds?.length || input.GroupNames?.length) {
    groups = [
      ...await requireAll(input.GroupIds ?? [], (id) => requireGroup(read, id)),
      ...await requireAll(input.GroupNames ?? [], (name) => requireGroupByName(read, name)),
    ];
    groups = [...new Map(groups.map((g) => [g.id, g])).values()];
  } else {
    groups = await read.securityGroups.list();
  }
  const rules = await read.securityGroups.rules(groups.map((g) => g.id));
  const tags = await read.ec2Tags.getMany(groups.map((g) => g.id));
  const views = groups.map((g) => ({ g, rules: rules.filter((r) => r.groupId === g.id) }));
  return {
    SecurityGroups: views.filter((v) => match(v, tags.get(v.g.id) ?? [])).map((v) => groupToWire(cp, v.g, v.rules, tags.get(v.g.id))),
  };
}

export async function deleteSecurityGroup(cp: ControlPlane, input: { GroupId?: string; GroupName?: string }): Promise<Wire> {
  if (input.GroupId === undefined && input.GroupName === undefined) throw missingParameter('GroupId or GroupName');
  const id = await cp.store.transaction(async (tx) => {
    const g = input.GroupId !== undefined ? await requireGroup(tx, input.GroupId) : await requireGroupByName(tx, input.GroupName!);
    if (g.name === DEFAULT_GROUP_NAME) {
      throw new Ec2Error(Ec2ErrorCode.CannotDelete, `the specified group: "${g.id}" name: "default" cannot be deleted by a user`);
    }
    if (await tx.networkInterfaces.groupInUse(g.id) || (await tx.securityGroups.referencedBy(g.id)).length > 0) {
      throw new Ec2Error(Ec2ErrorCode.DependencyViolation, `resource ${g.id} has a dependent object`);
    }
    await tx.securityGroups.remove(g.id);
    await tx.ec2Tags.removeAll(g.id);
    return g.id;
  });
  return { Return: true, GroupId: id };
}
