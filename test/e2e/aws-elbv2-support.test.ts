/** What the ELBv2 suites share: an SDK client for a Pier process, and the default VPC as they need it. */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { PierProcess } from '../helpers/pier-process.js';
import type { Aws } from './aws-cli-support.test.js';

export function elbv2Client(pier: PierProcess): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey },
  });
}

/** The default VPC's id, and the first two octets of its block (targets are made inside it). */
export function defaultVpc(aws: Aws): { vpcId: string; prefix: string } {
  const vpc = aws.ok(['describe-vpcs', '--filters', 'Name=is-default,Values=true'], 'ec2').Vpcs[0] as { VpcId: string; CidrBlock: string };
  return { vpcId: vpc.VpcId, prefix: vpc.CidrBlock.split('.').slice(0, 2).join('.') };
}
