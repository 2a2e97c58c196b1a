/**
 * Minimal signed EC2 Query calls against a Pier endpoint, for suites and benchmarks that drive ECS
 * with the SDK or a raw client and need VPC resources: the default subnets and security group, or a
 * subnet of their own. (The EC2 suites themselves use the AWS CLI.)
 */
import { signRequest, type SigningCredentials } from '../../src/api/auth/sign.js';

export interface Ec2Target { endpoint: string; region: string; credentials: SigningCredentials }

/** One Query call; resolves with the XML reply, rejects with EC2's error code and message. */
export async function ec2Call(t: Ec2Target, action: string, params: Record<string, string> = {}): Promise<string> {
  const url = new URL(t.endpoint);
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15', ...params }).toString();
  const headers = signRequest({
    method: 'POST', host: url.host, url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  }, t.credentials, t.region, 'ec2', Date.now());
  const res = await fetch(new URL('/', url), { method: 'POST', headers, body });
  const xml = await res.text();
  if (res.status !== 200) {
    const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? String(res.status);
    throw new Error(`${action}: ${code}: ${/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? xml.slice(0, 300)}`);
  }
  return xml;
}

function all(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
}

export interface DefaultNetwork {
  vpcId: string;
  /** Default subnet id by availability zone. */
  subnetByZone: Map<string, string>;
  securityGroupId: string;
}

/** The default VPC, its default subnet of each zone and its `default` security group. */
export async function defaultNetwork(t: Ec2Target): Promise<DefaultNetwork> {
  const vpcId = all(await ec2Call(t, 'DescribeVpcs', { 'Filter.1.Name': 'is-default', 'Filter.1.Value.1': 'true' }), 'vpcId')[0]!;
  const subnets = await ec2Call(t, 'DescribeSubnets', { 'Filter.1.Name': 'default-for-az', 'Filter.1.Value.1': 'true' });
  const ids = all(subnets, 'subnetId');
  const zones = all(subnets, 'availabilityZone');
  const groups = await ec2Call(t, 'DescribeSecurityGroups', {
    'Filter.1.Name': 'group-name', 'Filter.1.Value.1': 'default', 'Filter.2.Name': 'vpc-id', 'Filter.2.Value.1': vpcId,
  });
  return { vpcId, subnetByZone: new Map(ids.map((id, i) => [zones[i]!, id])), securityGroupId: all(groups, 'groupId')[0]! };
}

/** Creates a subnet (CreateSubnet) and returns its id. */
export async function createSubnet(t: Ec2Target, vpcId: string, cidr: string, zone: string): Promise<string> {
  const xml = await ec2Call(t, 'CreateSubnet', { VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone });
  return all(xml, 'subnetId')[0]!;
}

/** Creates a VPC (CreateVpc) and returns its id. */
export async function createVpc(t: Ec2Target, cidr: string): Promise<string> {
  return all(await ec2Call(t, 'CreateVpc', { CidrBlock: cidr }), 'vpcId')[0]!;
}
