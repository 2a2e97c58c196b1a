/**
 * Whether a role's trust policy (AssumeRolePolicyDocument) lets a service principal assume it,
 * as STS decides when ECS assumes a task role for `ecs-tasks.amazonaws.com`: some statement with
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

function matches(statement: Record<string, Json>, service: string, action: string): boolean {
  const actions = statement['Action'] !== undefined
    ? asList(statement['Action']).some((a) => actionMatches(a, action))
    : !asList(statement['NotAction']).some((a) => actionMatches(a, action));
  return actions && namesService(statement['Principal'], service);
}

export function trustsService(policyDocument: string, service: string, context: TrustContext = {}, action = 'sts:AssumeRole'): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(policyDocument);
  } catch {
    return false;
  }
  const statements = asList((doc as Record<string, Json> | null)?.['Statement'])
    .filter((s): s is Record<string, Json> => !!s && typeof s === 'object');
  const denied = statements.some((s) => s['Effect'] === 'Deny' && matches(s, service, action) && conditionHolds(s['Condition'], context) !== false);
  const allowed = statements.some((s) => s['Effect'] === 'Allow' && matches(s, service, action) && conditionHolds(s['Condition'], context) === true);
  return allowed && !denied;
}
