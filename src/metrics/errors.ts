/**
 * The CloudWatch error shapes Pier answers, one class each, coded as the monitoring model says
 * (models/monitoring-2010-08-01.json): `code` is the shape's `error.code`, what the Query protocol
 * puts in `<Code>` and query-compatible JSON and CBOR put in `x-amzn-query-error`; `shape` is the
 * shape's name, what those two put in `__type`. GetMetricData's input problems are answered as
 * `ValidationError`, as CloudWatch does for that operation.
 */
import { AwsError } from '../ecs/errors.js';

export abstract class CloudWatchError extends AwsError {
  /** The error shape's name in the model, or undefined for errors the model does not list. */
  abstract readonly shape: string | undefined;
}

export class InvalidParameterValueException extends CloudWatchError {
  readonly code = 'InvalidParameterValue';
  readonly shape = 'InvalidParameterValueException';
}
export class MissingRequiredParameterException extends CloudWatchError {
  readonly code = 'MissingParameter';
  readonly shape = 'MissingRequiredParameterException';
}
export class InvalidParameterCombinationException extends CloudWatchError {
  readonly code = 'InvalidParameterCombination';
  readonly shape = 'InvalidParameterCombinationException';
}
export class InvalidNextToken extends CloudWatchError {
  readonly code = 'InvalidNextToken';
  readonly shape = 'InvalidNextToken';
}
export class InternalServiceFault extends CloudWatchError {
  readonly code = 'InternalServiceError';
  readonly shape = 'InternalServiceFault';
  override readonly fault = 'server';
  override readonly status = 500;
}
/** Not a modeled shape: CloudWatch's answer to a malformed GetMetricData request. */
export class ValidationError extends CloudWatchError {
  readonly code = 'ValidationError';
  readonly shape = undefined;
}

export const invalidValue = (message: string): InvalidParameterValueException => new InvalidParameterValueException(message);
export const missing = (parameter: string): MissingRequiredParameterException =>
  new MissingRequiredParameterException(`The parameter ${parameter} is required.`);
export const mutuallyExclusive = (a: string, b: string): InvalidParameterCombinationException =>
  new InvalidParameterCombinationException(`The parameters ${a} and ${b} are mutually exclusive and you have specified both.`);
