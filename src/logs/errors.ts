/**
 * The CloudWatch Logs error shapes Pier answers, one class each, named and coded as in the logs
 * model (models/logs-2014-03-28.json). `code` goes on the wire as `__type`; all are HTTP 400 client
 * faults except ServiceUnavailableException. The model also lists InvalidSequenceTokenException and
 * DataAlreadyAcceptedException for PutLogEvents; AWS no longer returns them (sequence tokens are
 * ignored), and neither does Pier.
 */
import { AwsError } from '../ecs/errors.js';

export abstract class LogsError extends AwsError {}

export class ResourceNotFoundException extends LogsError { readonly code = 'ResourceNotFoundException'; }
export class ResourceAlreadyExistsException extends LogsError { readonly code = 'ResourceAlreadyExistsException'; }
export class InvalidParameterException extends LogsError { readonly code = 'InvalidParameterException'; }
export class LimitExceededException extends LogsError { readonly code = 'LimitExceededException'; }
export class TooManyTagsException extends LogsError { readonly code = 'TooManyTagsException'; }
export class ServiceUnavailableException extends LogsError {
  readonly code = 'ServiceUnavailableException';
  override readonly fault = 'server';
  override readonly status = 500;
}

export const groupNotFound = (): ResourceNotFoundException => new ResourceNotFoundException('The specified log group does not exist.');
export const streamNotFound = (): ResourceNotFoundException => new ResourceNotFoundException('The specified log stream does not exist.');
