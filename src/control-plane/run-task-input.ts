/** RunTask's request checks that need no store: launch type vs strategy, network configuration, limits. */
import { InvalidParameterException, PlatformUnknownException } from '../ecs/errors.js';
import type { CapacityProviderStrategyItem, Tag } from '../ecs/wire.js';

export interface RunTaskInput {
  cluster?: string;
  taskDefinition: string;
  count?: number;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration?: { awsvpcConfiguration?: { subnets?: string[]; securityGroups?: string[]; assignPublicIp?: string } };
  overrides?: Record<string, unknown>;
  placementConstraints?: unknown[];
  placementStrategy?: unknown[];
  platformVersion?: string;
  propagateTags?: string;
  referenceId?: string;
  startedBy?: string;
  group?: string;
  tags?: Tag[];
  enableECSManagedTags?: boolean;
  enableExecuteCommand?: boolean;
  clientToken?: string;
  volumeConfigurations?: unknown[];
}

const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
const STARTED_BY = /^[A-Za-z0-9_/-]{1,128}$/;

export function checkRunTaskInput(input: RunTaskInput): { count: number } {
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 10) {
    throw new InvalidParameterException(`count must be between 1 and 10, got ${count}.`);
  }
  if (input.launchType !== undefined && input.capacityProviderStrategy?.length) {
    throw new InvalidParameterException('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (input.launchType !== undefined && input.launchType !== 'FARGATE') {
    throw new InvalidParameterException(`Pier runs tasks on Fargate capacity only; launchType '${input.launchType}' is not supported. Use FARGATE or a FARGATE/FARGATE_SPOT capacity provider strategy.`);
  }
  if (input.placementConstraints?.length || input.placementStrategy?.length) {
    throw new InvalidParameterException('Task placement constraints and strategies are not supported for tasks on Fargate.');
  }
  if (input.platformVersion !== undefined && !['LATEST', '1.4.0'].includes(input.platformVersion)) {
    throw new PlatformUnknownException(`The specified platform version '${input.platformVersion}' does not exist. Use LATEST or 1.4.0.`);
  }
  if (input.propagateTags !== undefined && input.propagateTags !== 'TASK_DEFINITION' && input.propagateTags !== 'NONE') {
    throw new InvalidParameterException(`propagateTags for RunTask must be TASK_DEFINITION or NONE, got '${input.propagateTags}'.`);
  }
  if (input.startedBy !== undefined && !STARTED_BY.test(input.startedBy)) {
    throw new InvalidParameterException('startedBy must be 1-128 characters: letters, numbers, hyphens, underscores and forward slashes.');
  }
  if (input.group !== undefined && (input.group.length === 0 || input.group.length > 255)) {
    throw new InvalidParameterException('group must be 1-255 characters.');
  }
  if (input.clientToken !== undefined && !/^[\x21-\x7e]{1,64}$/.test(input.clientToken)) {
    throw new InvalidParameterException('clientToken must be 1-64 printable ASCII characters without spaces.');
  }
  if (input.volumeConfigurations?.length) {
    throw new InvalidParameterException('volumeConfigurations (EBS volumes configured at launch) are not supported by Pier yet.');
  }
  return { count };
}

/** awsvpcConfiguration: required for awsvpc task definitions; checked for form (the VPC issue adds subnets as resources). */
export function checkNetworkConfiguration(input: RunTaskInput, networkMode: string | undefined): void {
  const awsvpc = input.networkConfiguration?.awsvpcConfiguration;
  if (networkMode === 'awsvpc' && !awsvpc) {
    throw new InvalidParameterException("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (!awsvpc) return;
  const subnets = awsvpc.subnets ?? [];
  if (subnets.length === 0) throw new InvalidParameterException('subnets can not be empty.');
  if (subnets.length > 16) throw new InvalidParameterException('awsvpcConfiguration can name at most 16 subnets.');
  for (const s of subnets) {
    if (!SUBNET_ID.test(s)) throw new InvalidParameterException(`Error retrieving subnet information for [${s}]: the subnet ID '${s}' is malformed (expected subnet-<8 or 17 hex digits>).`);
  }
  const groups = awsvpc.securityGroups ?? [];
  if (groups.length > 5) throw new InvalidParameterException('awsvpcConfiguration can name at most 5 security groups.');
  for (const g of groups) {
    if (!SECURITY_GROUP_ID.test(g)) throw new InvalidParameterException(`Error retrieving security group information for [${g}]: the security group ID '${g}' is malformed (expected sg-<8 or 17 hex digits>).`);
  }
  if (new Set(subnets).size !== subnets.length) throw new InvalidParameterException('subnets lists a subnet more than once.');
}
