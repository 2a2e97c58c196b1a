/**
 * Authorisation of every AWS call, after its signature and input have been checked and before
 * its operation runs: the root keys may do anything; any other principal (an IAM user, a role
 * session) is allowed only what its identity policies allow for the call's action and every
 * resource it acts on (action-map.ts), with explicit deny beating allow beating implicit deny
 * (src/iam/evaluate/). Denials use each protocol's code and AWS's message, naming the principal,
 * action and resource. sts:GetCallerIdentity needs no permission, as on AWS.
 */
import type { AccountScope } from '../ecs/arn.js';
import { AwsError } from '../ecs/errors.js';
import { decide, Decision } from '../iam/evaluate/evaluate.js';
import { normaliseIp } from '../iam/evaluate/ip.js';
import type { ContextValue, RequestContext } from '../iam/evaluate/request-context.js';
import type { Principal } from '../iam/principal.js';
import { PolicyKind, parsePolicyDocument } from '../iam/policy-document.js';
import { compileGlob } from '../iam/evaluate/wildcard.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import { actionTarget, iamAction } from './action-map.js';
import { PrincipalPolicies } from './authorize-policies.js';

/** What the edge knows of the connection a call came on, for the aws:SourceIp and aws:SecureTransport keys. */
export interface RequestFacts {
  readonly sourceIp?: string;
  readonly secureTransport?: boolean;
}

export interface AuthorizedCall extends RequestFacts {
  readonly principal: Principal;
}

/** A denial, in the code and status the service's protocol uses. */
export class NotAuthorizedError extends AwsError {
  override readonly status: number;
  constructor(readonly code: string, status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Query services name it their own way; JSON and rest-json services answer AccessDeniedException. */
const DENIAL: Readonly<Record<string, { code: string; status: number }>> = {
  ec2: { code: 'UnauthorizedOperation', status: 403 },
  iam: { code: 'AccessDenied', status: 403 },
  sts: { code: 'AccessDenied', status: 403 },
  elasticloadbalancing: { code: 'AccessDenied', status: 403 },
  monitoring: { code: 'AccessDenied', status: 403 },
  elasticfilesystem: { code: 'AccessDeniedException', status: 403 },
};
const JSON_DENIAL = { code: 'AccessDeniedException', status: 400 };

export function denialMessage(principalArn: string, action: string, resource: string, decision: Decision): string {
  const why = decision === Decision.ExplicitDeny
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

function globalContext(p: Principal, facts: RequestFacts, now: number, region: string): Map<string, ContextValue> {
  const ctx = new Map<string, ContextValue>([
    ['aws:principalarn', p.kind === 'assumed-role' ? p.roleArn : p.arn],
    ['aws:principalaccount', p.accountId],
    ['aws:principaltype', p.kind === 'user' ? 'User' : p.kind === 'assumed-role' ? 'AssumedRole' : 'Account'],
    ['aws:userid', p.userId],
    ['aws:currenttime', new Date(now).toISOString()],
    ['aws:epochtime', String(Math.floor(now / 1000))],
    ['aws:securetransport', facts.secureTransport ? 'true' : 'false'],
    ['aws:requestedregion', region],
  ]);
  if (p.kind === 'user') ctx.set('aws:username', p.userName);
  if (facts.sourceIp !== undefined) ctx.set('aws:sourceip', normaliseIp(facts.sourceIp));
  return ctx;
}

export class Authorizer {
  readonly policies: PrincipalPolicies;

  constructor(private readonly deps: { readonly store: Store; readonly scope: AccountScope; readonly clock: Clock }) {
    this.policies = new PrincipalPolicies(deps.store.read, deps.scope.partition);
  }

  async authorize(call: AuthorizedCall, signingName: string, operation: string, input: Readonly<Record<string, unknown>>): Promise<void> {
    const principal = call.principal;
    if (principal.kind === 'root') return;
    if (signingName === 'sts' && operation === 'GetCallerIdentity') return;
    const action = iamAction(signingName, operation);
    const [policies, target] = await Promise.all([
      this.policies.forPrincipal(principal),
      actionTarget(signingName, operation, input, { scope: this.deps.scope, repos: this.deps.store.read, principal }),
    ]);
    const context: RequestContext = globalContext(principal, call, this.deps.clock.now(), this.deps.scope.region);
    for (const [k, v] of Object.entries(target.context ?? {})) (context as Map<string, ContextValue>).set(k.toLowerCase(), v);
    for (const resource of target.resources) {
      const decision = decide(policies, { action, resource, context });
      if (decision === Decision.Allow) continue;
      if (decision === Decision.ImplicitDeny && action === 'sts:AssumeRole' && await this.trustNamesUser(principal, resource)) continue;
      const { code, status } = DENIAL[signingName] ?? JSON_DENIAL;
      const message = denialMessage(principal.arn, action, resource, decision);
      throw new NotAuthorizedError(code, status, signingName === 'ec2' ? `You are not authorized to perform this operation. ${message}` : message);
    }
  }

  /**
   * Within one account a resource-based policy that names a user by ARN grants on its own, so a
   * role whose trust policy names the user may be assumed without an identity policy allowing it
   * (sts.ts still checks the trust policy as STS does).
   */
  private async trustNamesUser(p: Principal, roleArn: string): Promise<boolean> {
    if (p.kind !== 'user') return false;
    const role = await this.deps.store.read.roles.getByArn(roleArn);
    if (!role) return false;
    try {
      return parsePolicyDocument(role.assumeRolePolicyDocument, PolicyKind.trust).statements.some((st) => st.effect === 'Allow'
        && (st.principal?.['AWS'] ?? []).includes(p.arn) && (st.action ?? []).some((a) => compileGlob(a, true)('sts:assumerole')));
    } catch {
      return false;
    }
  }

  /** Forget every principal's policies (IAM changed). */
  invalidate(): void {
    this.policies.invalidate();
  }
}
