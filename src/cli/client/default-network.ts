/** The default VPC's subnets and `default` security group, where the people's CLI puts tasks unless told otherwise. */
import { PierClient, xmlValues } from './pier-client.js';

const EC2_VERSION = '2016-11-15';

export interface DefaultNetwork {
  vpcId: string;
  /** Default subnet id by availability zone. */
  subnetByZone: Map<string, string>;
  securityGroupId: string;
}

export const ec2 = (c: PierClient, action: string, params: Record<string, string> = {}): Promise<string> => c.query('ec2', EC2_VERSION, action, params);

export async function defaultNetwork(c: PierClient): Promise<DefaultNetwork> {
  const vpcId = xmlValues(await ec2(c, 'DescribeVpcs', { 'Filter.1.Name': 'is-default', 'Filter.1.Value.1': 'true' }), 'vpcId')[0];
  if (!vpcId) throw new Error('this Pier has no default VPC: pass --subnets and --security-groups');
  const subnets = await ec2(c, 'DescribeSubnets', { 'Filter.1.Name': 'default-for-az', 'Filter.1.Value.1': 'true' });
  const ids = xmlValues(subnets, 'subnetId');
  const zones = xmlValues(subnets, 'availabilityZone');
  const groups = await ec2(c, 'DescribeSecurityGroups', {
    'Filter.1.Name': 'group-name', 'Filter.1.Value.1': 'default', 'Filter.2.Name': 'vpc-id', 'Filter.2.Value.1': vpcId,
  });
  return { vpcId, subnetByZone: new Map(ids.map((id, i) => [zones[i]!, id])), securityGroupId: xmlValues(groups, 'groupId')[0]! };
}
