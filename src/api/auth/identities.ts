/**
 * Who a verified signature belongs to. Long-term keys (the account's root keys and IAM users' keys,
 * held in memory because every request looks one up) answer the root principal or their user; temporary keys answer the role
 * session their token names, provided the token is ours, not expired, and — for a task's role
 * credentials — the task has not stopped.
 */
import { ExpiredTokenException, UnrecognizedClientException } from '../../ecs/errors.js';
import { taskIdOf, type AccountScope } from '../../ecs/arn.js';
import type { UserAccessKeys } from '../../iam/access-keys-directory.js';
import { assumedRolePrincipal, type Principal } from '../../iam/principal.js';
import type { SessionAuthority, VerifiedSession } from '../../iam/session-credentials.js';
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/store.js';
import { TaskStatus } from '../../ecs/enums.js';

const INVALID_TOKEN = 'The security token included in the request is invalid.';

export class Identities {
  constructor(
    private readonly scope: AccountScope,
    private readonly rootKeys: ReadonlyMap<string, string>,
    private readonly sessions: SessionAuthority,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly userKeys?: UserAccessKeys,
  ) {}

  /** The secret to check a signature with (sync: it runs inside SigV4 verification). */
  secretFor(accessKeyId: string, sessionToken: string | undefined): string | undefined {
    if (sessionToken === undefined) return this.rootKeys.get(accessKeyId) ?? this.userKeys?.secretFor(accessKeyId);
    return this.sessions.verify(accessKeyId, sessionToken)?.secretAccessKey;
  }

  /** The principal of a request whose signature checked out with secretFor's secret. */
  async principalFor(accessKeyId: string, sessionToken: string | undefined): Promise<Principal> {
    const { partition, accountId } = this.scope;
    if (sessionToken === undefined) {
      const user = this.rootKeys.has(accessKeyId) ? undefined : this.userKeys?.userFor(accessKeyId);
      if (user) return user;
      return { kind: 'root', arn: `arn:${partition}:iam::${accountId}:root`, userId: accountId, accountId };
    }
    const session = this.sessions.verify(accessKeyId, sessionToken);
    if (!session) throw new UnrecognizedClientException(INVALID_TOKEN);
    if (session.expiresAtMs <= this.clock.now()) throw new ExpiredTokenException('The security token included in the request is expired');
    if (session.taskArn !== undefined && !(await this.taskIsLive(session))) {
      throw new UnrecognizedClientException(`${INVALID_TOKEN} The task the credentials were issued to has stopped.`);
    }
    return assumedRolePrincipal({
      partition, accountId, roleArn: session.roleArn, roleId: session.roleId, sessionName: session.sessionName, taskArn: session.taskArn,
    });
  }

  private async taskIsLive(session: VerifiedSession): Promise<boolean> {
    const ref = taskIdOf(session.taskArn!);
    if (!ref?.cluster) return false;
    const task = await this.store.read.tasks.get(ref.cluster, ref.id);
    return task !== undefined && task.task.lastStatus !== TaskStatus.STOPPED;
  }
}
