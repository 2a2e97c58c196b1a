/**
 * A parameter version between the store and the wire. SecureString values are sealed under the
 * secrets key, bound to the parameter's name and version; read without decryption, the sealed
 * text itself (opaque base64) is what GetParameter answers, as AWS answers the KMS ciphertext.
 */
import { toEpochSeconds } from '../lib/clock.js';
import type { ParameterVersionRecord } from '../store/secret-records.js';
import type { ParametersContext } from './context.js';
import { InternalServerError } from './errors.js';
import { parameterArn } from './parameter-names.js';

const sealContext = (name: string, version: number): string => `ssm:${name}:${version}`;

export function sealParameterValue(ctx: ParametersContext, name: string, version: number, plaintext: string): string {
  return ctx.cipher.seal(Buffer.from(plaintext, 'utf8'), sealContext(name, version));
}

export function plaintextOf(ctx: ParametersContext, p: ParameterVersionRecord): string {
  if (p.type !== 'SecureString') return p.value;
  try {
    return ctx.cipher.open(p.value, sealContext(p.name, p.version)).toString('utf8');
  } catch (err) {
    throw new InternalServerError('An error occurred while decrypting the parameter value.', { cause: err });
  }
}

export function parameterToWire(ctx: ParametersContext, p: ParameterVersionRecord, withDecryption: boolean, selector?: string): Record<string, unknown> {
  return {
    Name: p.name, Type: p.type, Value: withDecryption ? plaintextOf(ctx, p) : p.value, Version: p.version,
    ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
    LastModifiedDate: toEpochSeconds(p.modifiedAt), ARN: parameterArn(ctx.scope, p.name), DataType: p.dataType,
  };
}
