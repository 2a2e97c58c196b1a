/**
 * IAM users' access keys in memory, for the edge: a signature is checked synchronously on every
 * request, so the secret and the user a key belongs to must be at hand without a store read.
 * Reloaded whole after any IAM change (keys and users change rarely and are few), before the
 * change's response is sent, so a deleted or deactivated key is refused from the next request on.
 */
import type { AccountScope } from '../ecs/arn.js';
import type { Store } from '../store/store.js';
import type { UserPrincipal } from './principal.js';

interface KeyEntry { readonly secret: string; readonly active: boolean; readonly user: UserPrincipal }

export class UserAccessKeys {
  private keys = new Map<string, KeyEntry>();

  constructor(private readonly store: Store, private readonly scope: AccountScope) {}

  static async load(store: Store, scope: AccountScope): Promise<UserAccessKeys> {
    const keys = new UserAccessKeys(store, scope);
    await keys.reload();
    return keys;
  }

  async reload(): Promise<void> {
    const [keys, users] = [await this.store.read.userAccessKeys.listAll(), new Map<string, UserPrincipal>()];
    const next = new Map<string, KeyEntry>();
    for (const k of keys) {
      let user = users.get(k.userId);
      if (!user) {
        const u = await this.store.read.users.getById(k.userId);
        if (!u) continue;
        user = { kind: 'user', arn: u.arn, userId: u.userId, accountId: this.scope.accountId, userName: u.name };
        users.set(k.userId, user);
      }
      next.set(k.accessKeyId, { secret: k.secretAccessKey, active: k.status === 'Active', user });
    }
    this.keys = next;
  }

  /** The secret of an active user key; undefined for inactive and unknown keys, which then do not authenticate. */
  secretFor(accessKeyId: string): string | undefined {
    const k = this.keys.get(accessKeyId);
    return k?.active ? k.secret : undefined;
  }

  userFor(accessKeyId: string): UserPrincipal | undefined {
    const k = this.keys.get(accessKeyId);
    return k?.active ? k.user : undefined;
  }
}
