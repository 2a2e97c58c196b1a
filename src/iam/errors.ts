/**
 * One class per IAM error shape Pier answers, named as in the model; `code` and `status` are the
 * shape's `error.code` and `error.httpStatusCode` (errors.test.ts checks them against
 * models/iam-2010-05-08.json). STS's MalformedPolicyDocument has the same code and status, so the
 * class here serves both. Protocol-level errors every Query service shares (ValidationError,
 * AccessDenied, …) are in src/api/query/errors.ts.
 */
import { AwsError } from '../ecs/errors.js';

export abstract class IamError extends AwsError {}

export class NoSuchEntityException extends IamError {
  readonly code = 'NoSuchEntity';
  override readonly status = 404;
}
export class EntityAlreadyExistsException extends IamError {
  readonly code = 'EntityAlreadyExists';
  override readonly status = 409;
}
export class DeleteConflictException extends IamError {
  readonly code = 'DeleteConflict';
  override readonly status = 409;
}
export class LimitExceededException extends IamError {
  readonly code = 'LimitExceeded';
  override readonly status = 409;
}
export class MalformedPolicyDocumentException extends IamError {
  readonly code = 'MalformedPolicyDocument';
  override readonly status = 400;
}
export class InvalidInputException extends IamError {
  readonly code = 'InvalidInput';
  override readonly status = 400;
}

// Not error shapes of the models but the protocol's common errors, which IAM and STS answer with.
/** A request IAM or STS refuses beyond what the model's constraints say (as IAM words it). */
export class ValidationError extends IamError {
  readonly code = 'ValidationError';
  override readonly status = 400;
}
export class AccessDenied extends IamError {
  readonly code = 'AccessDenied';
  override readonly status = 403;
}

export const roleNotFound = (name: string): NoSuchEntityException =>
  new NoSuchEntityException(`The role with name ${name} cannot be found.`);
