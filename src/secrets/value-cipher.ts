/**
 * Seals secret values with AES-256-GCM under Pier's secrets key (which lives in a file beside the
 * database, never in it). Each value gets a fresh 96-bit nonce, and is bound to where it belongs
 * (`context`: a secret's ARN and version id, a parameter's name and version) as associated data,
 * so a sealed value copied onto another row does not open.
 *
 * Sealed form, base64: version byte (1) · nonce (12) · tag (16) · ciphertext. It is also what
 * GetParameter returns for a SecureString read without decryption: opaque, as a KMS blob is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
}

export class ValueCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the secrets key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }

  seal(plaintext: Buffer, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), nonce, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws SealedValueError when the value was sealed under another key or context, or was altered. */
  open(sealed: string, context: string): Buffer {
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < 1 + NONCE_BYTES + TAG_BYTES || raw[0] !== FORMAT) throw new SealedValueError('not a sealed value');
    const nonce = raw.subarray(1, 1 + NONCE_BYTES);
    const tag = raw.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(raw.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (err) {
      throw new SealedValueError('the sealed value does not open under this key', { cause: err });
    }
  }
}
