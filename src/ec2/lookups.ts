/** Finding EC2 resources by id or name, with EC2's not-found errors. */
import type { Repos, SecurityGroupRecord, SubnetRecord, VpcRecord } from '../store/store.js';
import { Ec2Error, Ec2ErrorCode } from './errors.js';

export async function requireVpc(repos: Repos, id: string): Promise<VpcRecord> {
  const vpc = await repos.vpcs.get(id);
  if (!vpc) throw new Ec2Error(Ec2ErrorCode.InvalidVpcIdNotFound, `The vpc ID '${id}' does not exist`);
  return vpc;
}

export async function requireSubnet(repos: Repos, id: string): Promise<SubnetRecord> {
  const subnet = await repos.subnets.get(id);
  if (!subnet) throw new Ec2Error(Ec2ErrorCode.InvalidSubnetIdNotFound, `The subnet ID '${id}' does not exist`);
  return subnet;
}

export async function requireGroup(repos: Repos, id: string): Promise<SecurityGroupRecord> {
  const group = await repos.securityGroups.get(id);
  if (!group) throw new Ec2Error(Ec2ErrorCode.InvalidGroupNotFound, `The security group '${id}' does not exist`);
  return group;
}

/** The default VPC, for calls that name no VPC; VPCIdNotSpecified when there is none. */
export async function requireDefaultVpc(repos: Repos): Promise<VpcRecord> {
  const vpc = await repos.vpcs.getDefault();
  if (!vpc) throw new Ec2Error(Ec2ErrorCode.VpcIdNotSpecified, 'No default VPC for this user');
  return vpc;
}

/** A security group by name, which EC2 looks up in the default VPC. */
export async function requireGroupByName(repos: Repos, name: string): Promise<SecurityGroupRecord> {
  const vpc = await repos.vpcs.getDefault();
  const group = vpc && (await repos.securityGroups.getByName(vpc.id, name));
  if (!group) {
    throw new Ec2Error(Ec2ErrorCode.InvalidGroupNotFound,
      `The security group '${name}' does not exist in default VPC '${vpc?.id ?? 'none'}'`);
  }
  return group;
}

/** Reads every id (in order), failing on the first that does not exist. */
export async function requireAll<T>(ids: readonly string[], get: (id: string) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const id of ids) out.push(await get(id));
  return out;
}
