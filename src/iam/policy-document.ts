/**
 * IAM policy documents: parsed and checked the way IAM checks them before storing one, for the two
 * kinds a role has — its trust policy (who may assume it: Principal required, only `sts:` actions,
 * no Resource) and identity policies (what it may do: Action and Resource required, no Principal).
 * A document that fails answers MalformedPolicyDocument with IAM's wording where IAM's is known.
 *
 * The document text itself is what IAM stores and returns (whitespace and all); the parsed form is
 * for decisions such as "does this trust policy let the caller assume the role" (trust.ts).
 * Pure: no store, no clock.
 */
import { MalformedPolicyDocumentException } from './errors.js';

export const PolicyKind = { identity: 'identity', trust: 'trust' } as const;
export type PolicyKind = (typeof PolicyKind)[keyof typeof PolicyKind];

/** A principal block, by type (`AWS`, `Service`, `Federated`, `CanonicalUser`); `"*"` is `{ AWS: ['*'] }`. */
export type PrincipalBlock = Readonly<Record<string, readonly string[]>>;

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly principal?: PrincipalBlock;
  readonly notPrincipal?: PrincipalBlock;
  /** operator → condition key → values (numbers and booleans as text). */
  readonly condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly version: '2012-10-17' | '2008-10-17';
  readonly statements: readonly PolicyStatement[];
}

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const CONDITION_OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike',
]);
const FEDERATED_PROVIDERS = new Set(['cognito-identity.amazonaws.com', 'accounts.google.com', 'graph.facebook.com', 'www.amazon.com']);
const VENDOR_PREFIX = 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
const SYNTAX = 'Syntax errors in policy.';

const malformed = (message: string): MalformedPolicyDocumentException => new MalformedPolicyDocumentException(message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A document as IAM puts it in a response: URL-encoded (RFC 3986: everything but letters, digits
 * and `-._~` escaped). The AWS CLI decodes it back into JSON; SDK users call decodeURIComponent.
 */
export function urlEncodeDocument(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The size IAM counts against its quotas: characters other than white space. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

/** Parses and checks `text` as a policy of `kind`; MalformedPolicyDocument when IAM would refuse it. */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (!isObject(json)) throw malformed('This policy contains invalid Json');
  for (const key of Object.keys(json)) if (!TOP_LEVEL.has(key)) throw malformed(SYNTAX);
  const version = json['Version'] ?? '2008-10-17';
  if (typeof version !== 'string' || !VERSIONS.has(version)) {
    throw malformed(`The policy version ${JSON.stringify(version)} is not supported: use "2012-10-17" (or "2008-10-17").`);
  }
  if (json['Id'] !== undefined && typeof json['Id'] !== 'string') throw malformed(SYNTAX);
  const raw = json['Statement'];
  if (raw === undefined) throw malformed('Missing required field Statement');
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw malformed('Policy document must contain at least one statement.');
  const statements = list.map((s) => parseStatement(s, kind));
  const sids = statements.map((s) => s.sid).filter((s): s is string => s !== undefined && s !== '');
  if (kind === PolicyKind.identity && new Set(sids).size !== sids.length) {
    throw malformed('Statement IDs (SID) in a single policy must be unique.');
  }
  return { version: version as PolicyDocument['version'], statements };
}

function parseStatement(raw: unknown, kind: PolicyKind): PolicyStatement {
  if (!isObject(raw)) throw malformed(SYNTAX);
  for (const key of Object.keys(raw)) if (!STATEMENT_KEYS.has(key)) throw malformed(SYNTAX);
  const out: { -readonly [K in keyof PolicyStatement]: PolicyStatement[K] } = { effect: parseEffect(raw['Effect']) };
  const sid = raw['Sid'];
  if (sid !== undefined) {
    if (typeof sid !== 'string') throw malformed(SYNTAX);
    if (kind === PolicyKind.identity && !/^[0-9A-Za-z]*$/.test(sid)) {
      throw malformed('Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
    }
    out.sid = sid;
  }
  // Fields the kind prohibits are reported before anything missing, as IAM does.
  const resource = exclusive(raw, 'Resource', 'NotResource');
  const principal = exclusive(raw, 'Principal', 'NotPrincipal');
  if (kind === PolicyKind.trust && resource) throw malformed(`Has prohibited field ${resource.key}`);
  if (kind === PolicyKind.identity && principal) throw malformed('Policy document should not specify a principal.');

  const action = exclusive(raw, 'Action', 'NotAction');
  if (!action) throw malformed('Policy statement must contain actions.');
  const actions = strings(action.value).map(checkAction);
  if (action.key === 'Action') out.action = actions;
  else out.notAction = actions;

  if (kind === PolicyKind.identity) {
    if (!resource) throw malformed('Policy statement must contain resources.');
    const resources = strings(resource.value).map(checkResource);
    if (resource.key === 'Resource') out.resource = resources;
    else out.notResource = resources;
  } else {
    if (!principal) throw malformed('Missing required field Principal');
    const block = parsePrincipal(principal.value);
    if (principal.key === 'Principal') out.principal = block;
    else out.notPrincipal = block;
    if (!actions.every((a) => a.toLowerCase().startsWith('sts:'))) throw malformed('AssumeRole policy may only specify STS AssumeRole actions.');
  }
  if (raw['Condition'] !== undefined) out.condition = parseCondition(raw['Condition']);
  return out;
}

function parseEffect(v: unknown): 'Allow' | 'Deny' {
  if (v === undefined) throw malformed('Missing required field Effect');
  if (v !== 'Allow' && v !== 'Deny') throw malformed(`Invalid effect: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return v;
}

/** The one of two mutually exclusive elements a statement has, if any. */
function exclusive(raw: Record<string, unknown>, a: string, b: string): { key: string; value: unknown } | undefined {
  if (raw[a] !== undefined && raw[b] !== undefined) throw malformed(SYNTAX);
  if (raw[a] !== undefined) return { key: a, value: raw[a] };
  if (raw[b] !== undefined) return { key: b, value: raw[b] };
  return undefined;
}

/** A string or a non-empty list of strings. */
function strings(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((x) => typeof x === 'string')) throw malformed(SYNTAX);
  return list as string[];
}

function checkAction(a: string): string {
  if (a === '*') return a;
  if (!/^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]*$/.test(a)) throw malformed(VENDOR_PREFIX);
  return a;
}

function checkResource(r: string): string {
  if (r === '*' || (r.startsWith('arn:') && r.split(':').length >= 6)) return r;
  throw malformed(`Resource ${r} must be in ARN format or "*".`);
}

function parsePrincipal(v: unknown): PrincipalBlock {
  if (v === '*') return { AWS: ['*'] };
  if (!isObject(v) || Object.keys(v).length === 0) throw malformed(SYNTAX);
  const out: Record<string, string[]> = {};
  for (const [type, value] of Object.entries(v)) {
    const ids = strings(value);
    for (const id of ids) if (!validPrincipal(type, id)) throw malformed(`Invalid principal in policy: "${type.toUpperCase()}":"${id}"`);
    out[type] = ids;
  }
  return out;
}

function validPrincipal(type: string, id: string): boolean {
  switch (type) {
    case 'AWS':
      return id === '*' || /^\d{12}$/.test(id) || /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|(user|role|assumed-role|federated-user)\/.+)$/.test(id);
    case 'Service':
      return /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/.test(id);
    case 'Federated':
      return FEDERATED_PROVIDERS.has(id) || /^arn:aws[a-z-]*:iam::\d{12}:(saml-provider|oidc-provider)\/.+$/.test(id);
    case 'CanonicalUser':
      return /^[0-9a-f]{64}$/.test(id);
    default:
      return false;
  }
}

function parseCondition(v: unknown): Record<string, Record<string, string[]>> {
  if (!isObject(v)) throw malformed(SYNTAX);
  const out: Record<string, Record<string, string[]>> = {};
  for (const [operator, block] of Object.entries(v)) {
    const base = operator.replace(/^(ForAnyValue|ForAllValues):/, '');
    const known = base === 'Null' || CONDITION_OPERATORS.has(base.replace(/IfExists$/, ''));
    if (!known) throw malformed(`Invalid Condition type : ${operator}`);
    if (!isObject(block)) throw malformed(SYNTAX);
    const keys: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(block)) {
      if (!/^[A-Za-z0-9-]+:.+$/.test(key)) throw malformed(VENDOR_PREFIX);
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) throw malformed(SYNTAX);
      keys[key] = list.map(String);
    }
    out[operator] = keys;
  }
  return out;
}
