/**
 * A secret version's value between the wire (SecretString, or SecretBinary as base64) and the
 * store (sealed under the secrets key, bound to the secret's ARN and the version id).
 */
import type { SecretVersionRecord } from '../store/secret-records.js';
import { DecryptionFailure, InvalidParameterException } from './errors.js';
import type { ValueCipher } from './value-cipher.js';

export type SecretValue = { readonly kind: 'string'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: Buffer };

export interface ValueInput { SecretString?: string; SecretBinary?: string }

/** The value a request carries, if any; both at once is refused. */
export function valueFromInput(input: ValueInput): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new InvalidParameterException("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined) return { kind: 'string', text: input.SecretString };
  if (input.SecretBinary !== undefined) return { kind: 'binary', bytes: Buffer.from(input.SecretBinary, 'base64') };
  return undefined;
}

const sealContext = (arn: string, versionId: string): string => `secretsmanager:${arn}:${versionId}`;

const plainBytes = (v: SecretValue): Buffer => (v.kind === 'string' ? Buffer.from(v.text, 'utf8') : v.bytes);

export function sealValue(cipher: ValueCipher, arn: string, versionId: string, value: SecretValue): { kind: SecretValue['kind']; sealed: string } {
  return { kind: value.kind, sealed: cipher.seal(plainBytes(value), sealContext(arn, versionId)) };
}

export function openValue(cipher: ValueCipher, v: SecretVersionRecord): SecretValue {
  let bytes: Buffer;
  try {
    bytes = cipher.open(v.sealed, sealContext(v.secretArn, v.versionId));
  } catch (err) {
    throw new DecryptionFailure("Secrets Manager can't decrypt the protected secret text using the provided KMS key.", { cause: err });
  }
  return v.kind === 'binary' ? { kind: 'binary', bytes } : { kind: 'string', text: bytes.toString('utf8') };
}

export function sameValue(a: SecretValue, b: SecretValue): boolean {
  return a.kind === b.kind && plainBytes(a).equals(plainBytes(b));
}

export function valueToWire(v: SecretValue): { SecretString: string } | { SecretBinary: string } {
  return v.kind === 'string' ? { SecretString: v.text } : { SecretBinary: v.bytes.toString('base64') };
}
