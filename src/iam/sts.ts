/**
 * The STS calls Pier serves. GetCallerIdentity answers from the principal the edge resolved from
 * the call's signature. AssumeRole mints temporary credentials for a role whose trust policy names
 * the caller (session-credentials.ts), for at most the role's MaxSessionDuration, and records the
 * role's last use.
 *
 * One difference from AWS, on purpose: AWS refuses AssumeRole to an account's root user, but the
 * root keys are the only long-term keys a Pier account has, so Pier lets them assume any role whose
 * trust policy names the account.
 */
import type { ControlPlane } from '../control-plane/context.js';
import { AccessDenied, ValidationError } from './errors.js';
import type { Principal } from './principal.js';
import { trustsAwsPrincipal, type AwsCaller } from './trust.js';

type Wire = Record<string, unknown>;

export function getCallerIdentity(p: Principal): Wire {
  return { UserId: p.userId, Account: p.accountId, Arn: p.arn };
}

export interface AssumeRoleInput {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds?: number;
  ExternalId?: string;
  Policy?: string;
  PolicyArns?: unknown[];
  Tags?: unknown[];
  TransitiveTagKeys?: unknown[];
  SerialNumber?: string;
  TokenCode?: string;
  SourceIdentity?: string;
  ProvidedContexts?: unknown[];
}

/** Session policies, session tags, MFA and source identity change what a session may do; Pier applies none of them. */
const UNSUPPORTED = ['Policy', 'PolicyArns', 'Tags', 'TransitiveTagKeys', 'SerialNumber', 'TokenCode', 'SourceIdentity', 'ProvidedContexts'] as const;
const DEFAULT_DURATION_SECONDS = 3600;
/** AWS caps sessions a role session asks for (role chaining) at one hour. */
const CHAINED_MAX_SECONDS = 3600;

export async function assumeRole(cp: ControlPlane, input: AssumeRoleInput, principal: Principal): Promise<Wire> {
  const given = UNSUPPORTED.filter((k) => input[k] !== undefined);
  if (given.length > 0) throw new ValidationError(`Pier does not support ${given.join(', ')} on AssumeRole: leave ${given.length === 1 ? 'it' : 'them'} out.`);
  const caller: AwsCaller = { accountId: principal.accountId, arn: principal.arn, ...(principal.kind === 'assumed-role' ? { roleArn: principal.roleArn } : {}) };
  const context = {
    'aws:PrincipalArn': caller.roleArn ?? caller.arn, 'aws:PrincipalAccount': caller.accountId, 'sts:RoleSessionName': input.RoleSessionName,
    ...(input.ExternalId !== undefined ? { 'sts:ExternalId': input.ExternalId } : {}),
  };
  const role = await cp.store.read.roles.getByArn(input.RoleArn);
  if (!role || !trustsAwsPrincipal(role.assumeRolePolicyDocument, caller, context)) {
    throw new AccessDenied(`User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
  }
  const seconds = input.DurationSeconds ?? DEFAULT_DURATION_SECONDS;
  if (principal.kind === 'assumed-role' && seconds > CHAINED_MAX_SECONDS) {
    throw new ValidationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (seconds > role.maxSessionDuration) throw new ValidationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  const now = cp.clock.now();
  const credentials = cp.sessions.issue({ roleArn: role.arn, roleId: role.roleId, sessionName: input.RoleSessionName, expiresAtMs: now + seconds * 1000 });
  await cp.store.transaction((tx) => tx.roles.recordUse(role.roleId, now, cp.scope.region));
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId, SecretAccessKey: credentials.secretAccessKey, SessionToken: credentials.sessionToken,
      Expiration: credentials.expiresAtMs,
    },
    AssumedRoleUser: {
      AssumedRoleId: `${role.roleId}:${input.RoleSessionName}`,
      Arn: `arn:${cp.scope.partition}:sts::${cp.scope.accountId}:assumed-role/${role.name}/${input.RoleSessionName}`,
    },
  };
}
