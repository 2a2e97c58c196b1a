/**
 * Secret names, ARNs and the SecretId a caller passes (a name, a full ARN, or a partial ARN: the
 * ARN without the six-character suffix).
 */
import type { AccountScope } from '../ecs/arn.js';
import type { Repos } from '../store/store.js';
import type { SecretRecord } from '../store/secret-records.js';
import { ValidationException } from './errors.js';

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;

export function parseSecretName(name: string): string {
  if (!NAME.test(name)) {
    throw new ValidationException('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
  return name;
}

export const secretArnPrefix = (scope: AccountScope): string =>
  `arn:${scope.partition}:secretsmanager:${scope.region}:${scope.accountId}:secret:`;

export const secretArn = (scope: AccountScope, name: string, suffix: string): string => `${secretArnPrefix(scope)}${name}-${suffix}`;

/** The secret a SecretId names, deleted or not; undefined when there is none. */
export async function findSecret(repos: Repos, secretId: string): Promise<SecretRecord | undefined> {
  if (!secretId.startsWith('arn:')) return repos.secrets.getByName(secretId);
  const exact = await repos.secrets.get(secretId);
  if (exact) return exact;
  // A partial ARN: exactly one secret whose ARN is this plus "-XXXXXX".
  const matches = (await repos.secrets.listByArnPrefix(`${secretId}-`)).filter((s) => s.arn.length === secretId.length + 7);
  return matches.length === 1 ? matches[0] : undefined;
}
