/**
 * Fargate's usage types as AWS bills them (e.g. USE1-Fargate-vCPU-Hours:perCPU,
 * USE1-SpotUsage-Fargate-GB-Hours), so Cost Explorer answers group Pier's charges the way an AWS
 * bill does. The prefix is the region's billing code.
 */
import type { Usage } from './usage.js';

const REGION_CODES: Readonly<Record<string, string>> = {
  'us-east-1': 'USE1', 'us-east-2': 'USE2', 'us-west-1': 'USW1', 'us-west-2': 'USW2',
  'ca-central-1': 'CAN1', 'sa-east-1': 'SAE1', 'eu-west-1': 'EU', 'eu-west-2': 'EUW2', 'eu-west-3': 'EUW3',
  'eu-central-1': 'EUC1', 'eu-north-1': 'EUN1', 'eu-south-1': 'EUS1', 'ap-northeast-1': 'APN1',
  'ap-northeast-2': 'APN2', 'ap-northeast-3': 'APN3', 'ap-southeast-1': 'APS1', 'ap-southeast-2': 'APS2',
  'ap-south-1': 'APS3', 'ap-east-1': 'APE1', 'me-south-1': 'MES1', 'af-south-1': 'AFS1',
};

export interface UsagePart {
  readonly usageType: string;
  readonly unit: 'vCPU-Hours' | 'GB-Hours';
  /** Only this part's resource; the others zero. */
  readonly usage: Usage;
  readonly hours: number;
}

const MS_PER_HOUR = 3_600_000;

/** Hours of everything in the usage added together (Cost Explorer's UsageQuantity over mixed units). */
export function usageHours(u: Usage): number {
  return (u.cpuUnitMs + u.memoryMiBMs) / 1024 / MS_PER_HOUR + u.storageGiBMs / MS_PER_HOUR;
}

/** The usage split by Fargate usage type (storage only when some is charged). */
export function usageParts(u: Usage, spot: boolean, region: string): UsagePart[] {
  const prefix = REGION_CODES[region] ?? region.toUpperCase();
  const kind = spot ? 'SpotUsage-Fargate' : 'Fargate';
  const none = { billedMs: u.billedMs, cpuUnitMs: 0, memoryMiBMs: 0, storageGiBMs: 0 };
  const parts: UsagePart[] = [
    { usageType: `${prefix}-${kind}-vCPU-Hours:perCPU`, unit: 'vCPU-Hours', usage: { ...none, cpuUnitMs: u.cpuUnitMs }, hours: u.cpuUnitMs / 1024 / MS_PER_HOUR },
    { usageType: `${prefix}-${kind}-GB-Hours`, unit: 'GB-Hours', usage: { ...none, memoryMiBMs: u.memoryMiBMs }, hours: u.memoryMiBMs / 1024 / MS_PER_HOUR },
  ];
  if (u.storageGiBMs > 0) {
    parts.push({ usageType: `${prefix}-Fargate-EphemeralStorage-GB-Hours`, unit: 'GB-Hours', usage: { ...none, storageGiBMs: u.storageGiBMs }, hours: u.storageGiBMs / MS_PER_HOUR });
  }
  return parts;
}
