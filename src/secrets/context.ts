/** What every Secrets Manager handler is given: the store, time, ids, the account, the value cipher. */
import { randomInt } from 'node:crypto';
import type { AccountScope } from '../ecs/arn.js';
import type { Clock } from '../lib/clock.js';
import type { IdSource } from '../lib/ids.js';
import type { Store } from '../store/store.js';
import type { ValueCipher } from './value-cipher.js';

export interface SecretsContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly scope: AccountScope;
  readonly cipher: ValueCipher;
  /** The six random characters AWS appends to a secret's name in its ARN. */
  readonly arnSuffix: () => string;
}

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export const randomArnSuffix = (): string =>
  Array.from({ length: 6 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
