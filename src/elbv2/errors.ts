/**
 * One class per ELBv2 error shape Pier answers, named as in the model; `code` is the shape's
 * `error.code` (every one is HTTP 400, a Sender fault). errors.test.ts checks them against
 * models/elasticloadbalancingv2-2015-12-01.json. ValidationError is the Query protocol's common
 * error (src/api/query/errors.ts), which ELBv2 also answers for its own checks beyond the model.
 */
import { AwsError } from '../ecs/errors.js';

export abstract class Elbv2Error extends AwsError {}

const error = <C extends string>(code: C) => class extends Elbv2Error {
  readonly code = code;
};

export class LoadBalancerNotFoundException extends error('LoadBalancerNotFound') {}
export class TargetGroupNotFoundException extends error('TargetGroupNotFound') {}
export class ListenerNotFoundException extends error('ListenerNotFound') {}
export class RuleNotFoundException extends error('RuleNotFound') {}
export class DuplicateLoadBalancerNameException extends error('DuplicateLoadBalancerName') {}
export class DuplicateTargetGroupNameException extends error('DuplicateTargetGroupName') {}
export class DuplicateListenerException extends error('DuplicateListener') {}
export class DuplicateTagKeysException extends error('DuplicateTagKeys') {}
export class PriorityInUseException extends error('PriorityInUse') {}
export class ResourceInUseException extends error('ResourceInUse') {}
export class InvalidTargetException extends error('InvalidTarget') {}
export class InvalidConfigurationRequestException extends error('InvalidConfigurationRequest') {}
export class InvalidSubnetException extends error('InvalidSubnet') {}
export class SubnetNotFoundException extends error('SubnetNotFound') {}
export class InvalidSecurityGroupException extends error('InvalidSecurityGroup') {}
export class InvalidLoadBalancerActionException extends error('InvalidLoadBalancerAction') {}
export class UnsupportedProtocolException extends error('UnsupportedProtocol') {}
export class IncompatibleProtocolsException extends error('IncompatibleProtocols') {}
export class OperationNotPermittedException extends error('OperationNotPermitted') {}
export class TooManyTagsException extends error('TooManyTags') {}
export class TooManyRulesException extends error('TooManyRules') {}

/** Every class above, for the model check in errors.test.ts. */
export const elbv2ErrorClasses = [
  LoadBalancerNotFoundException, TargetGroupNotFoundException, ListenerNotFoundException, RuleNotFoundException,
  DuplicateLoadBalancerNameException, DuplicateTargetGroupNameException, DuplicateListenerException, DuplicateTagKeysException,
  PriorityInUseException, ResourceInUseException, InvalidTargetException, InvalidConfigurationRequestException,
  InvalidSubnetException, SubnetNotFoundException, InvalidSecurityGroupException, InvalidLoadBalancerActionException,
  UnsupportedProtocolException, IncompatibleProtocolsException, OperationNotPermittedException, TooManyTagsException,
  TooManyRulesException,
] as const;
