/**
 * The Application Auto Scaling error shapes Pier answers, one class each, named as in the model
 * (models/application-autoscaling-2016-02-06.json). All are HTTP 400 client faults except
 * InternalServiceException. The model's members are `Message`; the body carries it beside the
 * `message` every AWS JSON client reads, so the JS SDK's `err.Message` is set too.
 */
import { AwsError } from '../ecs/errors.js';

export abstract class AutoScalingError extends AwsError {
  override extraMembers(): Record<string, unknown> {
    return { Message: this.message };
  }
}

export class ValidationException extends AutoScalingError { readonly code = 'ValidationException'; }
export class ObjectNotFoundException extends AutoScalingError { readonly code = 'ObjectNotFoundException'; }
export class ConcurrentUpdateException extends AutoScalingError { readonly code = 'ConcurrentUpdateException'; }
export class LimitExceededException extends AutoScalingError { readonly code = 'LimitExceededException'; }
export class InvalidNextTokenException extends AutoScalingError { readonly code = 'InvalidNextTokenException'; }
export class InternalServiceException extends AutoScalingError {
  readonly code = 'InternalServiceException';
  override readonly fault = 'server';
  override readonly status = 500;
}

/** The three members that name a scalable target, as error messages spell them. */
export interface TargetKey {
  readonly serviceNamespace: string;
  readonly resourceId: string;
  readonly scalableDimension: string;
}

const keyText = (k: TargetKey): string =>
  `service namespace: ${k.serviceNamespace}, resource ID: ${k.resourceId}, scalable dimension: ${k.scalableDimension}`;

export const targetNotRegistered = (k: TargetKey): ObjectNotFoundException =>
  new ObjectNotFoundException(`No scalable target registered for ${keyText(k)}`);
export const targetNotFound = (k: TargetKey): ObjectNotFoundException =>
  new ObjectNotFoundException(`No scalable target found for ${keyText(k)}`);
export const policyNotFound = (k: TargetKey, name: string): ObjectNotFoundException =>
  new ObjectNotFoundException(`No scaling policy found for ${keyText(k)}, policy name: ${name}`);
export const scheduledActionNotFound = (k: TargetKey, name: string): ObjectNotFoundException =>
  new ObjectNotFoundException(`No scheduled action found for ${keyText(k)}, scheduled action name: ${name}`);
