/** The SSM error shapes Pier answers, named exactly as in the SSM model (JSON 1.1 `__type`). */
import { AwsError } from '../ecs/errors.js';

export class ValidationException extends AwsError { readonly code = 'ValidationException'; }
export class ParameterNotFound extends AwsError { readonly code = 'ParameterNotFound'; }
export class ParameterAlreadyExists extends AwsError { readonly code = 'ParameterAlreadyExists'; }
export class ParameterVersionNotFound extends AwsError { readonly code = 'ParameterVersionNotFound'; }
export class ParameterPatternMismatchException extends AwsError { readonly code = 'ParameterPatternMismatchException'; }
export class InvalidAllowedPatternException extends AwsError { readonly code = 'InvalidAllowedPatternException'; }
export class HierarchyLevelLimitExceededException extends AwsError { readonly code = 'HierarchyLevelLimitExceededException'; }
export class InvalidFilterKey extends AwsError { readonly code = 'InvalidFilterKey'; }
export class InvalidFilterOption extends AwsError { readonly code = 'InvalidFilterOption'; }
export class InvalidFilterValue extends AwsError { readonly code = 'InvalidFilterValue'; }
export class InvalidNextToken extends AwsError { readonly code = 'InvalidNextToken'; }
export class InternalServerError extends AwsError {
  readonly code = 'InternalServerError';
  override readonly fault = 'server';
  override readonly status = 500;
}
