/**
 * Whether a role's trust policy (AssumeRolePolicyDocument) lets a service principal assume it,
 * as STS decides when ECS assumes a task role for `ecs-tasks.amazonaws.com` (or an AWS principal,
 * for STS AssumeRole: trustsAwsPrincipal): some statement with
 * Effect Allow, an Action matching sts:AssumeRole and a Principal naming the service, and no Deny
 * statement that matches. Conditions are evaluated for the keys a service sets when it assumes a
 * role (aws:SourceAccount, aws:SourceArn — what AWS recommends against the confused deputy) with
 * the String and Arn operators; a condition Pier cannot evaluate makes an Allow not match and a
 * Deny match, the safe reading of each.
 */

type Json = unknown;

const asList = (v: Json): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** IAM action patterns: case-insensitive, `*` and `?` wildcards. */
function actionMatches(pattern: Json, action: string): boolean {
  return typeof pattern === 'string' && wildcard(pattern, true).test(action);
}

function namesService(principal: Json, service: string): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  const p = principal as Record<string, Json>;
  if (asList(p['AWS']).includes('*')) return true;
  return asList(p['Service']).some((s) => s === service);
}

/** What the assuming service presents, e.g. { 'aws:SourceAccount': '123…', 'aws:SourceArn': 'arn:aws:ecs:…' }. */
export type TrustContext = Readonly<Record<string, string>>;

const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (v, p) => v === p,
  StringNotEquals: (v, p) => v !== p,
  StringEqualsIgnoreCase: (v, p) => v.toLowerCase() === p.toLowerCase(),
  StringLike: (v, p) => wildcard(p, false).test(v),
  StringNotLike: (v, p) => !wildcard(p, false).test(v),
  ArnEquals: (v, p) => wildcard(p, false).test(v),
  ArnLike: (v, p) => wildcard(p, false).test(v),
  ArnNotEquals: (v, p) => !wildcard(p, false).test(v),
  ArnNotLike: (v, p) => !wildcard(p, false).test(v),
};

function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'i' : '');
}

/** True, false, or undefined when the block uses something Pier cannot evaluate. */
function conditionHolds(block: Json, context: TrustContext): boolean | undefined {
  if (block === undefined) return true;
  if (!block || typeof block !== 'object') return undefined;
  for (const [operator, tests] of Object.entries(block as Record<string, Json>)) {
    const ifExists = operator.endsWith('IfExists');
    const op = OPERATORS[ifExists ? operator.slice(0, -'IfExists'.length) : operator];
    if (!op || !tests || typeof tests !== 'object') return undefined;
    for (const [key, patterns] of Object.entries(tests as Record<string, Json>)) {
      const value = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      if (value === undefined) {
        if (ifExists) continue;
        return undefined;
      }
      const list = asList(patterns).filter((x): x is string => typeof x === 'string');
      // Several values: any may match; for the negated operators, none may.
      const ok = operator.includes('Not') ? list.every((p) => op(value, p)) : list.some((p) => op(value, p));
      if (!ok) return false;
    }
  }
  return true;
}

/** Whether a statement's Principal element names the one assuming. */
type NamesPrincipal = (principal: Json) => boolean;

function matches(statement: Record<string, Json>, names: NamesPrincipal, action: string): boolean {
  const actions = statement['Action'] !== undefined
    ? asList(statement['Action']).some((a) => actionMatches(a, action))
    : !asList(statement['NotAction']).some((a) => actionMatches(a, action));
  return actions && names(statement['Principal']);
}

function trusts(policyDocument: string, names: NamesPrincipal, context: TrustContext, action: string): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(policyDocument);
  } catch {
    return false;
  }
  const statements = asList((doc as Record<string, Json> | null)?.['Statement'])
    .filter((s): s is Record<string, Json> => !!s && typeof s === 'object');
  const denied = statements.some((s) => s['Effect'] === 'Deny' && matches(s, names, action) && conditionHolds(s['Condition'], context) !== false);
  const allowed = statements.some((s) => s['Effect'] === 'Allow' && matches(s, names, action) && conditionHolds(s['Condition'], context) === true);
  return allowed && !denied;
}

export function trustsService(policyDocument: string, service: string, context: TrustContext = {}, action = 'sts:AssumeRole'): boolean {
  return trusts(policyDocument, (p) => namesService(p, service), context, action);
}

/** An AWS principal assuming a role (STS AssumeRole): the account's root, or a session of a role. */
export interface AwsCaller {
  readonly accountId: string;
  /** `arn:aws:iam::<account>:root`, or the session's `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly arn: string;
  /** For a role session, the role's ARN. */
  readonly roleArn?: string;
}

/**
 * An `AWS` principal entry names the caller when it is `*`, the caller's account (its id or its
 * `:root` ARN: the account trusts its own principals), the caller's role, or the session itself.
 */
function namesAwsPrincipal(principal: Json, caller: AwsCaller): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  const partition = /^arn:([^:]+):/.exec(caller.arn)?.[1] ?? 'aws';
  const names = new Set(['*', caller.accountId, `arn:${partition}:iam::${caller.accountId}:root`, caller.arn, ...(caller.roleArn ? [caller.roleArn] : [])]);
  return asList((principal as Record<string, Json>)['AWS']).some((p) => typeof p === 'string' && names.has(p));
}

export function trustsAwsPrincipal(policyDocument: string, caller: AwsCaller, context: TrustContext = {}, action = 'sts:AssumeRole'): boolean {
  return trusts(policyDocument, (p) => namesAwsPrincipal(p, caller), context, action);
}
