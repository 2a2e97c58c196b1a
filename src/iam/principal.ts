/**
 * Who signed a request, as the edge established it from the signature: the account's root keys,
 * an IAM user's access keys, or temporary keys with a session token issued for a role (a task's
 * role, or AssumeRole).
 * Authorization decisions read this and nothing else (see src/api/authorize.ts).
 */
export type Principal = RootPrincipal | UserPrincipal | AssumedRolePrincipal;

export interface RootPrincipal {
  readonly kind: 'root';
  /** `arn:aws:iam::123456789012:root` */
  readonly arn: string;
  /** What GetCallerIdentity answers as UserId: the account id, for root. */
  readonly userId: string;
  readonly accountId: string;
}

export interface UserPrincipal {
  readonly kind: 'user';
  /** `arn:aws:iam::123456789012:user/<path><name>` */
  readonly arn: string;
  /** The user's unique id (`AIDA…`), as GetCallerIdentity answers. */
  readonly userId: string;
  readonly accountId: string;
  readonly userName: string;
}

export interface AssumedRolePrincipal {
  readonly kind: 'assumed-role';
  /** `arn:aws:sts::123456789012:assumed-role/<role name>/<session name>` */
  readonly arn: string;
  /** `<role id>:<session name>`, as GetCallerIdentity answers. */
  readonly userId: string;
  readonly accountId: string;
  /** `arn:aws:iam::123456789012:role/<path><name>` */
  readonly roleArn: string;
  readonly sessionName: string;
  /** Set when the session is a task's role credentials; they stop working once that task stops. */
  readonly taskArn?: string;
}

/** The principal of a session of `roleArn` named `sessionName` (AssumeRole, a task's role or its execution role). */
export function assumedRolePrincipal(s: {
  partition: string; accountId: string; roleArn: string; roleId: string; sessionName: string; taskArn?: string | undefined;
}): AssumedRolePrincipal {
  const roleName = s.roleArn.slice(s.roleArn.lastIndexOf('/') + 1);
  return {
    kind: 'assumed-role',
    arn: `arn:${s.partition}:sts::${s.accountId}:assumed-role/${roleName}/${s.sessionName}`,
    userId: `${s.roleId}:${s.sessionName}`,
    accountId: s.accountId,
    roleArn: s.roleArn,
    sessionName: s.sessionName,
    ...(s.taskArn !== undefined ? { taskArn: s.taskArn } : {}),
  };
}
