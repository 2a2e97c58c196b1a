/**
 * EC2 errors. EC2's model has no error shapes: the code is a dotted string (InvalidVpcID.NotFound)
 * sent in the Query protocol's `<Response><Errors><Error><Code>` envelope, so one class carries
 * the code as data and the codes Pier answers are listed here, spelled as EC2 spells them.
 */
import { AwsError } from '../ecs/errors.js';

export const Ec2ErrorCode = {
  InvalidVpcIdNotFound: 'InvalidVpcID.NotFound',
  InvalidSubnetIdNotFound: 'InvalidSubnetID.NotFound',
  InvalidGroupNotFound: 'InvalidGroup.NotFound',
  InvalidGroupDuplicate: 'InvalidGroup.Duplicate',
  InvalidGroupReserved: 'InvalidGroup.Reserved',
  InvalidNetworkInterfaceIdNotFound: 'InvalidNetworkInterfaceID.NotFound',
  InvalidVpcRange: 'InvalidVpc.Range',
  InvalidSubnetRange: 'InvalidSubnet.Range',
  InvalidSubnetConflict: 'InvalidSubnet.Conflict',
  InvalidPermissionDuplicate: 'InvalidPermission.Duplicate',
  InvalidPermissionNotFound: 'InvalidPermission.NotFound',
  InvalidPermissionMalformed: 'InvalidPermission.Malformed',
  InvalidId: 'InvalidID',
  InvalidParameterValue: 'InvalidParameterValue',
  InvalidParameterCombination: 'InvalidParameterCombination',
  MissingParameter: 'MissingParameter',
  DependencyViolation: 'DependencyViolation',
  CannotDelete: 'CannotDelete',
  VpcIdNotSpecified: 'VPCIdNotSpecified',
  InvalidAction: 'InvalidAction',
  InvalidQueryParameter: 'InvalidQueryParameter',
  InvalidFilter: 'InvalidFilter',
  TagLimitExceeded: 'TagLimitExceeded',
  DryRunOperation: 'DryRunOperation',
} as const;
export type Ec2ErrorCode = (typeof Ec2ErrorCode)[keyof typeof Ec2ErrorCode];

export class Ec2Error extends AwsError {
  override readonly status: number;
  constructor(readonly code: Ec2ErrorCode, message: string) {
    super(message);
    // EC2 answers a DryRun that would have succeeded with 412; every other client error is 400.
    this.status = code === Ec2ErrorCode.DryRunOperation ? 412 : 400;
  }
}

export const invalidValue = (value: unknown, parameter: string, why = ''): Ec2Error =>
  new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `Value (${String(value)}) for parameter ${parameter} is invalid.${why ? ` ${why}` : ''}`);

export const missingParameter = (parameter: string): Ec2Error =>
  new Ec2Error(Ec2ErrorCode.MissingParameter, `The request must contain the parameter ${parameter}`);
