/**
 * The default VPC every account starts with, as AWS makes it: 172.31.0.0/16 (or the block
 * `pier up --default-vpc-cidr` gives), one default /20
 * subnet per availability zone (172.31.0.0/20, 172.31.16.0/20, …; DefaultForAz and
 * MapPublicIpOnLaunch true) and the `default` security group. Idempotent: does nothing when a
 * default VPC exists. Runs at every platform start and after an admin reset.
 */
import type { ControlPlane } from '../control-plane/context.js';
import { nthSubnet, parseCidr } from './cidr.js';
import { insertSubnet } from './subnets.js';
import { insertVpc } from './vpcs.js';

export const DEFAULT_VPC_CIDR = '172.31.0.0/16';
const DEFAULT_SUBNET_PREFIX = 20;

/** Creates the default VPC unless one exists; returns its id. */
export async function ensureDefaultVpc(cp: ControlPlane): Promise<string> {
  return cp.store.transaction(async (tx) => {
    const existing = await tx.vpcs.getDefault();
    if (existing) return existing.id;
    const cidr = parseCidr(cp.config.defaultVpcCidr ?? DEFAULT_VPC_CIDR)!;
    const vpc = await insertVpc(cp, tx, cidr, true, []);
    let n = 0;
    for (const zone of cp.config.availabilityZones) {
      await insertSubnet(cp, tx, vpc, nthSubnet(cidr, DEFAULT_SUBNET_PREFIX, n++), { availabilityZone: zone, isDefault: true, tags: [] });
    }
    return vpc.id;
  });
}
