/**
 * IAM's unique ids: a four-letter prefix naming the kind (`AROA` role, `ANPA` AWS managed policy, `AIDA` user)
 * and 17 characters of base32, 21 in all, as IAM writes them (`AROAJ52OTH4H7LEXAMPLE`).
 */
import { createHash } from 'node:crypto';
import type { IdSource } from '../lib/ids.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const IdPrefix = { role: 'AROA', managedPolicy: 'ANPA', user: 'AIDA' } as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

function base32(hex: string, length: number): string {
  let bits = BigInt(`0x${hex}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += BASE32[Number(bits & 31n)];
    bits >>= 5n;
  }
  return out;
}

/** A new id from the IdSource's 128 random bits. */
export function uniqueId(ids: IdSource, prefix: IdPrefix): string {
  return `${prefix}${base32(ids.hex32(), 17)}`;
}

/** The same id for the same name every time (for Pier's fixed catalogue of AWS managed policies). */
export function stableId(prefix: IdPrefix, name: string): string {
  return `${prefix}${base32(createHash('sha256').update(name).digest('hex').slice(0, 32), 17)}`;
}
