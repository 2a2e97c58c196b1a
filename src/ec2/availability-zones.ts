/**
 * The platform's availability zones as EC2 shows them (DescribeAvailabilityZones), with zone ids
 * in AWS's form (us-east-1 → use1-az1, use1-az2, …; ap-southeast-2 → apse2-az1).
 */
import type { ControlPlane } from '../control-plane/context.js';
import { Ec2Error, Ec2ErrorCode } from './errors.js';
import { compileFilters, type Filter } from './filters.js';

export interface Zone { readonly name: string; readonly id: string }

/** "us-east-1" → "use1", "ap-southeast-2" → "apse2", "ca-central-1" → "cac1". */
export function regionCode(region: string): string {
  const parts = region.split('-');
  if (parts.length < 3) return region.replaceAll('-', '');
  const middle = parts.slice(1, -1).join('').replace(/north|south|east|west|central/g, (w) => w[0]!);
  return `${parts[0]}${middle}${parts[parts.length - 1]}`;
}

export function zonesOf(cp: Pick<ControlPlane, 'config' | 'scope'>): Zone[] {
  const code = regionCode(cp.scope.region);
  return cp.config.availabilityZones.map((name, i) => ({ name, id: `${code}-az${i + 1}` }));
}

export function zoneIdOf(cp: Pick<ControlPlane, 'config' | 'scope'>, zoneName: string): string | undefined {
  return zonesOf(cp).find((z) => z.name === zoneName)?.id;
}

export async function describeAvailabilityZones(cp: ControlPlane, input: {
  ZoneNames?: string[]; ZoneIds?: string[]; Filters?: Filter[];
}): Promise<Record<string, unknown>> {
  const zones = zonesOf(cp);
  for (const name of input.ZoneNames ?? []) {
    if (!zones.some((z) => z.name === name)) throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `Invalid availability zone: [${name}]`);
  }
  for (const id of input.ZoneIds ?? []) {
    if (!zones.some((z) => z.id === id)) throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `Invalid availability zone id: [${id}]`);
  }
  const region = cp.scope.region;
  const match = compileFilters<Zone>(input.Filters, {
    'zone-name': (z) => z.name,
    'zone-id': (z) => z.id,
    'region-name': () => region,
    'state': () => 'available',
    'zone-type': () => 'availability-zone',
    'group-name': () => region,
    'opt-in-status': () => 'opt-in-not-required',
  });
  const picked = zones.filter((z) => (!input.ZoneNames?.length || input.ZoneNames.includes(z.name))
    && (!input.ZoneIds?.length || input.ZoneIds.includes(z.id)) && match(z, []));
  return {
    AvailabilityZones: picked.map((z) => ({
      OptInStatus: 'opt-in-not-required', Messages: [], RegionName: region, ZoneName: z.name, ZoneId: z.id,
      GroupName: region, NetworkBorderGroup: region, ZoneType: 'availability-zone', State: 'available',
    })),
  };
}
