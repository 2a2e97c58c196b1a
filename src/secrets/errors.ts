/** The Secrets Manager error shapes Pier answers, named exactly as in the model (JSON 1.1 `__type`). */
import { AwsError } from '../ecs/errors.js';

export class ResourceNotFoundException extends AwsError { readonly code = 'ResourceNotFoundException'; }
export class ResourceExistsException extends AwsError { readonly code = 'ResourceExistsException'; }
export class InvalidParameterException extends AwsError { readonly code = 'InvalidParameterException'; }
export class InvalidRequestException extends AwsError { readonly code = 'InvalidRequestException'; }
export class InvalidNextTokenException extends AwsError { readonly code = 'InvalidNextTokenException'; }
export class DecryptionFailure extends AwsError { readonly code = 'DecryptionFailure'; }
/** Constraint violations the model finds, and malformed names: AWS's front end answers ValidationException. */
export class ValidationException extends AwsError { readonly code = 'ValidationException'; }

export const secretNotFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException("Secrets Manager can't find the specified secret.");

export const markedForDeletion = (): InvalidRequestException =>
  new InvalidRequestException("You can't perform this operation on the secret because it was marked for deletion.");
