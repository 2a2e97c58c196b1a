/**
 * The errors every service spoken in the plain `query` protocol (IAM, STS, …) shares, whatever its
 * model lists: AWS's "common errors" for Query APIs. Codes are data, as for EC2; the service's own
 * error shapes (NoSuchEntity, …) are classes of their own (src/iam/errors.ts).
 */
import { AwsError } from '../../ecs/errors.js';

export const QueryErrorCode = {
  /** A member breaks its shape's constraints (required, length, range, pattern, enum). */
  ValidationError: 'ValidationError',
  InvalidAction: 'InvalidAction',
  MissingAction: 'MissingAction',
  /** A value that is not of its member's type (a word where an integer belongs). */
  InvalidParameterValue: 'InvalidParameterValue',
  /** Parameter names that do not follow the protocol (`Tags.member.0`). */
  InvalidQueryParameter: 'InvalidQueryParameter',
  InternalFailure: 'InternalFailure',
} as const;
export type QueryErrorCode = (typeof QueryErrorCode)[keyof typeof QueryErrorCode];

export class QueryError extends AwsError {
  override readonly status: number;
  override readonly fault: 'client' | 'server';
  constructor(readonly code: QueryErrorCode, message: string) {
    super(message);
    this.status = code === QueryErrorCode.InternalFailure ? 500 : 400;
    this.fault = code === QueryErrorCode.InternalFailure ? 'server' : 'client';
  }
}

export const validationError = (message: string): QueryError => new QueryError(QueryErrorCode.ValidationError, message);
