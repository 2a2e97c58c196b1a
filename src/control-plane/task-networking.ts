/**
 * A task's place in its VPC, control-plane side: RunTask's awsvpcConfiguration checked against the
 * VPC resources, the ENI allocated in RunTask's own transaction (so two RunTasks never share an
 * address), released when the task stops, and the security-group policy each host enforces.
 */
import { formatIpv4 } from '../ec2/cidr.js';
import { allocateEni, EniFailureReason, releaseEni } from '../ec2/network-interfaces.js';
import { DEFAULT_GROUP_NAME } from '../ec2/security-groups.js';
import { InvalidParameterException } from '../ecs/errors.js';
import type { EniAssignment, NetworkPolicy, NetworkRule, SecurityGroupPolicy } from '../protocol/agent.js';
import type { Repos, SubnetRecord, TaskRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';

export interface AwsvpcInput {
  subnets?: string[];
  securityGroups?: string[];
  assignPublicIp?: string;
}

export interface ResolvedAwsvpc {
  /** In the order RunTask named them. */
  subnets: SubnetRecord[];
  vpcCidr: string;
  securityGroupIds: string[];
  assignPublicIp: boolean;
}

/** The subnets and groups must exist, in one VPC; no groups means the VPC's default group. */
export async function resolveAwsvpc(tx: Repos, cfg: AwsvpcInput): Promise<ResolvedAwsvpc> {
  const subnets: SubnetRecord[] = [];
  for (const id of cfg.subnets ?? []) {
    const s = await tx.subnets.get(id);
    if (!s) throw new InvalidParameterException(`Error retrieving subnet information for [${id}]: The subnet ID '${id}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound)`);
    subnets.push(s);
  }
  const vpcId = subnets[0]!.vpcId;
  const other = subnets.find((s) => s.vpcId !== vpcId);
  if (other) throw new InvalidParameterException(`Subnets must all belong to the same VPC: ${subnets[0]!.id} is in ${vpcId}, ${other.id} is in ${other.vpcId}.`);
  const vpc = await tx.vpcs.get(vpcId);
  if (!vpc) throw new InvalidParameterException(`The VPC ${vpcId} of subnet ${subnets[0]!.id} does not exist.`);
  const securityGroupIds: string[] = [];
  for (const id of new Set(cfg.securityGroups ?? [])) {
    const g = await tx.securityGroups.get(id);
    if (!g) throw new InvalidParameterException(`Error retrieving security group information for [${id}]: The security group '${id}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound)`);
    if (g.vpcId !== vpcId) throw new InvalidParameterException(`Security group ${id} is in ${g.vpcId}; the task's subnets are in ${vpcId}.`);
    securityGroupIds.push(id);
  }
  if (securityGroupIds.length === 0) {
    const fallback = await tx.securityGroups.getByName(vpcId, DEFAULT_GROUP_NAME);
    if (fallback) securityGroupIds.push(fallback.id);
  }
  return { subnets, vpcCidr: vpc.cidrBlock, securityGroupIds, assignPublicIp: cfg.assignPublicIp === 'ENABLED' };
}

export type TaskEniResult = { ok: true; eni: EniAssignment } | { ok: false; reason: string; detail: string };

/**
 * Allocates the task's ENI in a subnet of its zone, trying them from `first` on (round-robin over
 * the subnets RunTask named); a full subnet passes to the next one of the zone.
 */
export async function allocateTaskEni(
  tx: Repos, cp: ControlPlane, awsvpc: ResolvedAwsvpc, zone: string, first: number, taskArn: string, attachmentId: string,
): Promise<TaskEniResult> {
  const n = awsvpc.subnets.length;
  const inZone = Array.from({ length: n }, (_, k) => awsvpc.subnets[(first + k) % n]!).filter((s) => s.availabilityZone === zone);
  for (const subnet of inZone) {
    const r = await allocateEni(tx, {
      subnetId: subnet.id, securityGroupIds: awsvpc.securityGroupIds, taskArn,
      description: `arn:${cp.scope.partition}:ecs:${cp.scope.region}:${cp.scope.accountId}:attachment/${attachmentId}`,
    }, cp);
    if (r.ok) {
      return {
        ok: true,
        eni: {
          networkInterfaceId: r.eni.networkInterfaceId, vpcId: r.eni.vpcId, vpcCidr: awsvpc.vpcCidr, subnetId: subnet.id,
          subnetCidr: subnet.cidrBlock, privateIpv4Address: r.eni.privateIpAddress, macAddress: r.eni.macAddress,
          privateDnsName: r.eni.privateDnsName, securityGroupIds: [...r.eni.securityGroupIds], assignPublicIp: awsvpc.assignPublicIp,
        },
      };
    }
    if (r.reason !== EniFailureReason.SubnetFull) throw new InvalidParameterException(r.message);
  }
  const ids = inZone.map((s) => s.id).join(', ');
  return {
    ok: false,
    reason: 'RESOURCE:ENI',
    detail: inZone.length === 0
      ? `None of the task's subnets is in ${zone}, the zone with capacity for it.`
      : `No free IPv4 address is left in ${inZone.length > 1 ? 'subnets' : 'subnet'} ${ids}: every address is held by a task that has not stopped.`,
  };
}

/** The ENI RunTask allocated for the task, if any (kept beside the awsvpcConfiguration). */
export function eniOf(r: Pick<TaskRecord, 'networkConfiguration'>): EniAssignment | undefined {
  return r.networkConfiguration?.eni as EniAssignment | undefined;
}

/** ECS's attachment details, in ECS's order and casing. */
export function eniDetails(eni: EniAssignment): { name: string; value: string }[] {
  return [
    { name: 'subnetId', value: eni.subnetId },
    { name: 'networkInterfaceId', value: eni.networkInterfaceId },
    { name: 'macAddress', value: eni.macAddress },
    ...(eni.privateDnsName ? [{ name: 'privateDnsName', value: eni.privateDnsName }] : []),
    { name: 'privateIPv4Address', value: eni.privateIpv4Address },
  ];
}

/**
 * Frees the task's address when the task has just reached STOPPED (in the same transaction);
 * true when it did (the caller then wakes every host: group memberships changed).
 */
export async function releaseIfStopped(tx: Repos, before: TaskRecord, after: TaskRecord): Promise<boolean> {
  if (after.task.lastStatus !== 'STOPPED' || before.task.lastStatus === 'STOPPED') return false;
  const eni = eniOf(after);
  if (!eni) return false;
  await releaseEni(tx, eni.networkInterfaceId);
  return true;
}

/**
 * What a host enforces for its tasks: the rules of every group its tasks' ENIs are in, and the
 * current members (addresses) of every group those rules name as a peer.
 */
export async function networkPolicyFor(repos: Repos, tasks: readonly TaskRecord[]): Promise<NetworkPolicy> {
  const groupIds = [...new Set(tasks.flatMap((t) => eniOf(t)?.securityGroupIds ?? []))].sort();
  if (groupIds.length === 0) return { securityGroups: [], members: {} };
  const rules = await repos.securityGroups.rules(groupIds);
  const byGroup = new Map<string, SecurityGroupPolicy>(groupIds.map((g) => [g, { groupId: g, ingress: [], egress: [] }]));
  const peers = new Set<string>();
  for (const r of rules) {
    const rule: NetworkRule = {
      protocol: r.ipProtocol,
      ...(r.fromPort !== undefined ? { fromPort: r.fromPort } : {}),
      ...(r.toPort !== undefined ? { toPort: r.toPort } : {}),
      ...(r.cidrIpv4 !== undefined ? { cidr: r.cidrIpv4 } : {}),
      ...(r.referencedGroupId !== undefined ? { groupId: r.referencedGroupId } : {}),
    };
    if (r.referencedGroupId) peers.add(r.referencedGroupId);
    const g = byGroup.get(r.groupId);
    if (g) (r.isEgress ? g.egress : g.ingress).push(rule);
  }
  const members: Record<string, string[]> = {};
  for (const [g, ips] of await repos.networkInterfaces.addressesInGroups([...peers].sort())) members[g] = ips.map(formatIpv4);
  return { securityGroups: [...byGroup.values()], members };
}
