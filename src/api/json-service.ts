/**
 * A service spoken in AWS JSON 1.x: X-Amz-Target selects the operation, the body is checked
 * against the service model, then the operation runs. ECS is the first; logs, ssm, secretsmanager,
 * application-autoscaling and ecr plug in the same way with their own model and operation table.
 */
import type { Principal } from '../iam/principal.js';
import { SerializationException, UnknownOperationException, type AwsError } from '../ecs/errors.js';
import type { ServiceModel } from './model/service-model.js';
import { validateInput } from './model/validate-input.js';

export interface CallContext {
  readonly accessKeyId: string;
  /** The signer's ARN (`principal.arn`), kept for the many callers that need only that. */
  readonly principalArn: string;
  readonly principal: Principal;
  readonly requestId: string;
}

export type Operation = (input: Record<string, unknown>, ctx: CallContext) => Promise<unknown>;

export interface JsonService {
  /** Credential-scope service name (SigV4 signing name). */
  readonly signingName: string;
  readonly model: ServiceModel;
  readonly operations: ReadonlyMap<string, Operation>;
  readonly constraintError: (message: string) => AwsError;
}

export async function dispatchJson(service: JsonService, target: string | undefined, body: Buffer, ctx: CallContext): Promise<unknown> {
  const prefix = `${service.model.targetPrefix}.`;
  if (!target || !target.startsWith(prefix)) {
    throw new UnknownOperationException(target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header');
  }
  const name = target.slice(prefix.length);
  const operation = service.operations.get(name);
  if (!operation || !service.model.hasOperation(name)) {
    throw new UnknownOperationException(
      service.model.hasOperation(name) ? `Pier does not implement ${name} yet.` : `Unknown operation ${target}`);
  }
  const input = parseBody(body);
  validateInput(service.model, name, input, { constraintError: service.constraintError });
  return operation(input, ctx);
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    // A null member means "absent" (clients never send one, but tolerate it); null list elements stay for the validator.
    const text = body.toString('utf8');
    parsed = text.includes('null')
      ? JSON.parse(text, function (this: unknown, _key, value: unknown) {
        return value === null && !Array.isArray(this) ? undefined : value;
      })
      : JSON.parse(text);
  } catch {
    throw new SerializationException('Request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SerializationException('Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
