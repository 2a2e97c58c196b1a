/**
 * AuthorizeSecurityGroupIngress/Egress and RevokeSecurityGroupIngress/Egress. Each call changes
 * all of its rules or none: a duplicate (authorize) or a missing rule (revoke) refuses the call.
 * A source group must exist and be in the same VPC.
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { Repos, SecurityGroupRecord, SecurityGroupRuleRecord } from '../store/store.js';
import { Ec2Error, Ec2ErrorCode, missingParameter } from './errors.js';
import { requireGroup, requireGroupByName } from './lookups.js';
import { describeRule, parsePermissions, ruleKey, type IpPermission, type RuleSpec } from './permissions.js';
import { ResourceKind, ec2Arn, newId } from './resources.js';

type Wire = Record<string, unknown>;

export interface RuleChangeInput {
  GroupId?: string;
  GroupName?: string;
  IpPermissions?: IpPermission[];
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  SourceSecurityGroupName?: string;
  SecurityGroupRuleIds?: string[];
}

async function targetGroup(tx: Repos, input: RuleChangeInput): Promise<SecurityGroupRecord> {
  if (input.GroupId !== undefined) return requireGroup(tx, input.GroupId);
  if (input.GroupName !== undefined) return requireGroupByName(tx, input.GroupName);
  throw missingParameter('GroupId');
}

async function resolveSpecs(tx: Repos, group: SecurityGroupRecord, specs: readonly RuleSpec[], isEgress: boolean): Promise<Omit<SecurityGroupRuleRecord, 'id'>[]> {
  const out: Omit<SecurityGroupRuleRecord, 'id'>[] = [];
  for (const s of specs) {
    let referencedGroupId: string | undefined;
    if (s.source) {
      const source = s.source.groupId !== undefined
        ? await requireGroup(tx, s.source.groupId)
        : await tx.securityGroups.getByName(group.vpcId, s.source.groupName!);
      if (!source) throw new Ec2Error(Ec2ErrorCode.InvalidGroupNotFound, `The security group '${s.source.groupName}' does not exist in VPC '${group.vpcId}'`);
      if (source.vpcId !== group.vpcId) {
        throw new Ec2Error(Ec2ErrorCode.InvalidGroupNotFound,
          `You have specified two resources that belong to different networks: ${group.id} is in ${group.vpcId}, ${source.id} in ${source.vpcId}.`);
      }
      referencedGroupId = source.id;
    }
    out.push({
      groupId: group.id, isEgress, ipProtocol: s.ipProtocol,
      ...(s.fromPort !== undefined ? { fromPort: s.fromPort, toPort: s.toPort } : {}),
      ...(s.cidrIpv4 !== undefined ? { cidrIpv4: s.cidrIpv4 } : {}),
      ...(referencedGroupId !== undefined ? { referencedGroupId } : {}),
      ...(s.description !== undefined ? { description: s.description } : {}),
    });
  }
  return out;
}

function ruleToWire(cp: ControlPlane, r: SecurityGroupRuleRecord): Wire {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: r.groupId,
    GroupOwnerId: cp.scope.accountId,
    IsEgress: r.isEgress,
    IpProtocol: r.ipProtocol,
    FromPort: r.fromPort ?? -1,
    ToPort: r.toPort ?? -1,
    ...(r.cidrIpv4 !== undefined ? { CidrIpv4: r.cidrIpv4 } : {}),
    ...(r.referencedGroupId !== undefined ? { ReferencedGroupInfo: { GroupId: r.referencedGroupId, UserId: cp.scope.accountId } } : {}),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    Tags: [],
    SecurityGroupRuleArn: ec2Arn(cp.scope, ResourceKind.securityGroupRule, r.id),
  };
}

export async function authorize(cp: ControlPlane, input: RuleChangeInput, isEgress: boolean): Promise<Wire> {
  const specs = parsePermissions(input);
  const added = await cp.store.transaction(async (tx) => {
    const group = await targetGroup(tx, input);
    const existing = new Set((await tx.securityGroups.rules([group.id])).map(ruleKey));
    const rules: SecurityGroupRuleRecord[] = [];
    for (const r of await resolveSpecs(tx, group, specs, isEgress)) {
      const rule = { id: newId(cp.ids, ResourceKind.securityGroupRule), ...r };
      if (existing.has(ruleKey(rule))) {
        throw new Ec2Error(Ec2ErrorCode.InvalidPermissionDuplicate, `the specified rule "${describeRule(rule)}" already exists`);
      }
      existing.add(ruleKey(rule));
      rules.push(rule);
    }
    for (const rule of rules) await tx.securityGroups.insertRule(rule);
    return rules;
  });
  // Hosts enforce the rules of their tasks' groups: they re-read their policy now.
  cp.hostSignals.signalAll();
  return { Return: true, SecurityGroupRules: added.map((r) => ruleToWire(cp, r)) };
}

export async function revoke(cp: ControlPlane, input: RuleChangeInput, isEgress: boolean): Promise<Wire> {
  const byIds = input.SecurityGroupRuleIds ?? [];
  const specs = byIds.length > 0 && input.IpPermissions === undefined && input.IpProtocol === undefined ? [] : parsePermissions(input);
  const removed = await cp.store.transaction(async (tx) => {
    const group = await targetGroup(tx, input);
    const rules = (await tx.securityGroups.rules([group.id])).filter((r) => r.isEgress === isEgress);
    const byKey = new Map(rules.map((r) => [ruleKey(r), r]));
    const doomed = new Map<string, SecurityGroupRuleRecord>();
    for (const id of byIds) {
      const rule = rules.find((r) => r.id === id);
      if (!rule) throw new Ec2Error(Ec2ErrorCode.InvalidPermissionNotFound, `The security group rule '${id}' does not exist in group '${group.id}'.`);
      doomed.set(rule.id, rule);
    }
    for (const r of await resolveSpecs(tx, group, specs, isEgress)) {
      const rule = byKey.get(ruleKey(r));
      if (!rule) throw new Ec2Error(Ec2ErrorCode.InvalidPermissionNotFound, 'The specified rule does not exist in this security group.');
      doomed.set(rule.id, rule);
    }
    for (const rule of doomed.values()) await tx.securityGroups.removeRule(rule.id);
    return [...doomed.values()];
  });
  cp.hostSignals.signalAll();
  return {
    Return: true,
    RevokedSecurityGroupRules: removed.map((r) => ({
      SecurityGroupRuleId: r.id, GroupId: r.groupId, IsEgress: r.isEgress, IpProtocol: r.ipProtocol,
      FromPort: r.fromPort ?? -1, ToPort: r.toPort ?? -1,
      ...(r.cidrIpv4 !== undefined ? { CidrIpv4: r.cidrIpv4 } : {}),
      ...(r.referencedGroupId !== undefined ? { ReferencedGroupId: r.referencedGroupId } : {}),
      ...(r.description !== undefined ? { Description: r.description } : {}),
    })),
  };
}
