/** What every Parameter Store handler is given: the store, time, the account, the value cipher. */
import type { AccountScope } from '../ecs/arn.js';
import type { Clock } from '../lib/clock.js';
import type { ValueCipher } from '../secrets/value-cipher.js';
import type { Store } from '../store/store.js';

export interface ParametersContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly scope: AccountScope;
  readonly cipher: ValueCipher;
}
