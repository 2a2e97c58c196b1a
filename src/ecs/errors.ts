/**
 * One class per error shape in the ECS model (plus the front-end errors every AWS JSON service
 * shares). `code` goes on the wire as `__type` and `x-amzn-ErrorType`; `status` is the HTTP
 * status. Only `api/protocol.ts` turns these into bytes.
 */
export abstract class AwsError extends Error {
  abstract readonly code: string;
  readonly fault: 'client' | 'server' = 'client';
  readonly status: number = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  /** Extra members some shapes carry beside `message` (ConflictException's resourceIds). */
  extraMembers(): Record<string, unknown> {
    return {};
  }
}

export abstract class EcsError extends AwsError {}

export class ClientException extends EcsError { readonly code = 'ClientException'; }
export class InvalidParameterException extends EcsError { readonly code = 'InvalidParameterException'; }
export class ClusterNotFoundException extends EcsError { readonly code = 'ClusterNotFoundException'; }
export class ClusterContainsTasksException extends EcsError { readonly code = 'ClusterContainsTasksException'; }
export class ClusterContainsServicesException extends EcsError { readonly code = 'ClusterContainsServicesException'; }
export class ClusterContainsContainerInstancesException extends EcsError {
  readonly code = 'ClusterContainsContainerInstancesException';
}
export class ClusterContainsCapacityProviderException extends EcsError {
  readonly code = 'ClusterContainsCapacityProviderException';
}
export class ServiceNotFoundException extends EcsError { readonly code = 'ServiceNotFoundException'; }
export class ServiceNotActiveException extends EcsError { readonly code = 'ServiceNotActiveException'; }
export class ResourceNotFoundException extends EcsError { readonly code = 'ResourceNotFoundException'; }
export class ResourceInUseException extends EcsError { readonly code = 'ResourceInUseException'; }
export class LimitExceededException extends EcsError { readonly code = 'LimitExceededException'; }
export class UnsupportedFeatureException extends EcsError { readonly code = 'UnsupportedFeatureException'; }
export class AccessDeniedException extends EcsError { readonly code = 'AccessDeniedException'; }
export class UpdateInProgressException extends EcsError { readonly code = 'UpdateInProgressException'; }
export class PlatformUnknownException extends EcsError { readonly code = 'PlatformUnknownException'; }
export class ConflictException extends EcsError {
  readonly code = 'ConflictException';
  constructor(message: string, readonly resourceIds: readonly string[]) {
    super(message);
  }
  override extraMembers(): Record<string, unknown> {
    return { resourceIds: [...this.resourceIds] };
  }
}
export class ServerException extends EcsError {
  readonly code = 'ServerException';
  override readonly fault = 'server';
  override readonly status = 500;
}

// Front-end errors shared by every AWS JSON service (not in the ECS model).
export class UnknownOperationException extends AwsError { readonly code = 'UnknownOperationException'; }
export class SerializationException extends AwsError { readonly code = 'SerializationException'; }
export class MissingAuthenticationTokenException extends AwsError {
  readonly code = 'MissingAuthenticationTokenException';
  override readonly status = 403;
}
export class IncompleteSignatureException extends AwsError { readonly code = 'IncompleteSignatureException'; }
export class InvalidSignatureException extends AwsError {
  readonly code = 'InvalidSignatureException';
  override readonly status = 403;
}
export class UnrecognizedClientException extends AwsError {
  readonly code = 'UnrecognizedClientException';
  override readonly status = 403;
}
export class ExpiredTokenException extends AwsError {
  readonly code = 'ExpiredTokenException';
  override readonly status = 403;
}
export class RequestEntityTooLargeException extends AwsError {
  readonly code = 'RequestEntityTooLargeException';
  override readonly status = 413;
}
export class InternalFailure extends AwsError {
  readonly code = 'InternalFailure';
  override readonly fault = 'server';
  override readonly status = 500;
}
