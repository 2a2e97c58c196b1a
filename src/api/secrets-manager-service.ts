/**
 * The Secrets Manager subset Pier serves (AWS JSON 1.1, target prefix secretsmanager, signing
 * name secretsmanager). Handlers live in src/secrets/; constraint violations the model finds
 * answer ValidationException, as AWS's front end does.
 */
import type { SecretsContext } from '../secrets/context.js';
import { ValidationException } from '../secrets/errors.js';
import { listSecrets } from '../secrets/list-secrets.js';
import { deleteSecret, restoreSecret } from '../secrets/secret-lifecycle.js';
import { describeSecret, getSecretValue } from '../secrets/secret-reads.js';
import { createSecret, putSecretValue, updateSecret } from '../secrets/secret-writes.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';

export function secretsManagerService(ctx: SecretsContext, model: ServiceModel): JsonService {
  // Inputs have passed the model check, so their members have the model's types.
  const op = <I>(fn: (ctx: SecretsContext, input: I) => Promise<unknown>): Operation => (input) => fn(ctx, input as I);
  const operations = new Map<string, Operation>([
    ['CreateSecret', op(createSecret)],
    ['GetSecretValue', op(getSecretValue)],
    ['PutSecretValue', op(putSecretValue)],
    ['UpdateSecret', op(updateSecret)],
    ['DescribeSecret', op(describeSecret)],
    ['ListSecrets', op(listSecrets)],
    ['DeleteSecret', op(deleteSecret)],
    ['RestoreSecret', op(restoreSecret)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the Secrets Manager model has no operation ${name}`);
  }
  return { signingName: 'secretsmanager', model, operations, constraintError: (message) => new ValidationException(message) };
}
