/**
 * Minimal signed EC2 Query calls against a Pier endpoint, for suites and benchmarks that drive ECS
 * with the SDK or a raw client and need VPC resources: the default subnets and security group, or a
 * subnet of their own. (The EC2 suites themselves use the AWS CLI.)
 */
import type { SigningCredentials } from '../../src/api/auth/sign.js';
import { AwsCallError, PierClient, xmlValues } from '../../src/cli/client/pier-client.js';
import { defaultNetwork as defaultNetworkOf, ec2, type DefaultNetwork } from '../../src/cli/client/default-network.js';

export type { DefaultNetwork };
export interface Ec2Target { endpoint: string; region: string; credentials: SigningCredentials }

const clientOf = (t: Ec2Target): PierClient => new PierClient(t.endpoint, t.region, t.credentials);

/** One Query call; resolves with the XML reply, rejects with EC2's error code and message. */
export async function ec2Call(t: Ec2Target, action: string, params: Record<string, string> = {}): Promise<string> {
  try {
    return await ec2(clientOf(t), action, params);
  } catch (err) {
    if (err instanceof AwsCallError) throw new Error(`${action}: ${err.code}: ${err.message}`);
    throw err;
  }
}

const all = xmlValues;

/** The default VPC, its default subnet of each zone and its `default` security group. */
export const defaultNetwork = (t: Ec2Target): Promise<DefaultNetwork> => defaultNetworkOf(clientOf(t));

/** Creates a subnet (CreateSubnet) and returns its id. */
export async function createSubnet(t: Ec2Target, vpcId: string, cidr: string, zone: string): Promise<string> {
  const xml = await ec2Call(t, 'CreateSubnet', { VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone });
  return all(xml, 'subnetId')[0]!;
}

/** Creates a VPC (CreateVpc) and returns its id. */
export async function createVpc(t: Ec2Target, cidr: string): Promise<string> {
  return all(await ec2Call(t, 'CreateVpc', { CidrBlock: cidr }), 'vpcId')[0]!;
}
