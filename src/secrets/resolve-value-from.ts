/**
 * Resolves a task definition secret's `valueFrom` to its plaintext, for the task-start path (the
 * caller authorises the execution role first; this only reads). As ECS reads it:
 *
 * - a Secrets Manager ARN, optionally followed by `:json-key:version-stage:version-id` (any part
 *   may be empty: `arn:…:secret:db-AbCdEf:password::`); a JSON key reads that key of the
 *   SecretString; a version stage or id picks the version (AWSCURRENT by default);
 * - an SSM parameter name or ARN (anything else), read with decryption.
 */
import type { ParametersContext } from '../ssm/context.js';
import { findParameter } from '../ssm/find-parameter.js';
import { plaintextOf } from '../ssm/parameter-values.js';
import type { SecretsContext } from './context.js';
import { readSecretValue } from './secret-reads.js';

export class ValueFromError extends Error {
  override readonly name = 'ValueFromError';
}

export interface SecretsManagerRef {
  readonly secretArn: string;
  readonly jsonKey?: string;
  readonly versionStage?: string;
  readonly versionId?: string;
}

/** Splits a Secrets Manager valueFrom into the secret's ARN and its optional parts (pure); undefined for anything else. */
export function parseSecretsManagerRef(valueFrom: string): SecretsManagerRef | undefined {
  const parts = valueFrom.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'secretsmanager' || parts[5] !== 'secret') return undefined;
  if (parts.length > 10) throw new ValueFromError(`${valueFrom} is not a valid Secrets Manager reference: too many ':'-separated parts`);
  const [jsonKey, versionStage, versionId] = parts.slice(7).map((p) => (p === '' ? undefined : p));
  return {
    secretArn: parts.slice(0, 7).join(':'),
    ...(jsonKey !== undefined ? { jsonKey } : {}),
    ...(versionStage !== undefined ? { versionStage } : {}),
    ...(versionId !== undefined ? { versionId } : {}),
  };
}

/** Picks a JSON key out of a SecretString (pure); strings come out as they are, other values as JSON. */
export function jsonKeyOf(secretString: string, key: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(secretString);
  } catch {
    throw new ValueFromError(`the secret value is not JSON, so it has no key ${key}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !(key in doc)) {
    throw new ValueFromError(`the secret's JSON has no key ${key}`);
  }
  const value = (doc as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface ValueFromSources {
  readonly secrets: SecretsContext;
  readonly parameters: ParametersContext;
}

/** The plaintext `valueFrom` names. Secrets Manager and SSM errors (AwsError) pass through; bad references throw ValueFromError. */
export async function resolveValueFrom(sources: ValueFromSources, valueFrom: string): Promise<string> {
  const ref = parseSecretsManagerRef(valueFrom);
  if (ref) {
    const { value } = await readSecretValue(sources.secrets, ref.secretArn, { versionId: ref.versionId, versionStage: ref.versionStage });
    if (ref.jsonKey === undefined) return value.kind === 'string' ? value.text : value.bytes.toString('base64');
    if (value.kind !== 'string') throw new ValueFromError(`${ref.secretArn} holds a binary value, so it has no key ${ref.jsonKey}`);
    return jsonKeyOf(value.text, ref.jsonKey);
  }
  const found = await findParameter(sources.parameters.store.read, valueFrom);
  if (!('found' in found)) throw new ValueFromError(`parameter ${valueFrom} does not exist`);
  return plaintextOf(sources.parameters, found.found);
}
