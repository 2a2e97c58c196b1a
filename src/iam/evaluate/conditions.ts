/**
 * A statement's Condition block, compiled once: every operator must hold, every key under an
 * operator must hold, and a key holds when its value matches any of the policy's values (none of
 * them, for the negated operators). A key the request lacks makes a condition false, true for a
 * negated operator, and true for any `…IfExists`; `Null` tests presence itself. Multi-valued keys
 * take `ForAnyValue:`/`ForAllValues:`; unqualified, any of their values may match.
 * An operator Pier does not know never holds, so an Allow using it grants nothing.
 */
import { inCidr, parseCidr } from './ip.js';
import { hasVariables, substitute } from './policy-variables.js';
import { contextValues, type RequestContext } from './request-context.js';
import { compileArnGlob, compileGlob, type Matcher } from './wildcard.js';

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
export type CompiledCondition = (ctx: RequestContext) => boolean;

/** Builds, from the policy's values, a test of one request value against any of them. */
type Family = (policyValues: readonly string[]) => Matcher;

const anyOf = (tests: Matcher[]): Matcher => (v) => tests.some((t) => t(v));

function parseDate(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  return Date.parse(text);
}

function numeric(cmp: (a: number, b: number) => boolean): Family {
  return (ps) => anyOf(ps.map((p) => (v) => { const a = Number(v); const b = Number(p); return !Number.isNaN(a) && !Number.isNaN(b) && cmp(a, b); }));
}

function date(cmp: (a: number, b: number) => boolean): Family {
  return (ps) => anyOf(ps.map((p) => { const b = parseDate(p); return (v) => { const a = parseDate(v); return !Number.isNaN(a) && !Number.isNaN(b) && cmp(a, b); }; }));
}

const stringEquals: Family = (ps) => { const set = new Set(ps); return (v) => set.has(v); };
const stringEqualsIgnoreCase: Family = (ps) => { const set = new Set(ps.map((p) => p.toLowerCase())); return (v) => set.has(v.toLowerCase()); };
const stringLike: Family = (ps) => anyOf(ps.map((p) => compileGlob(p)));
const arnLike: Family = (ps) => anyOf(ps.map((p) => compileArnGlob(p)));
const bool: Family = (ps) => { const set = new Set(ps.map((p) => p.toLowerCase())); return (v) => set.has(v.toLowerCase()); };
const ipAddress: Family = (ps) => {
  const blocks = ps.map(parseCidr).filter((c) => c !== undefined);
  return (v) => blocks.some((c) => inCidr(v, c));
};

/** Operator → its family and whether it is the negated form. */
const OPERATORS: ReadonlyMap<string, { family: Family; negated: boolean }> = new Map([
  ['StringEquals', { family: stringEquals, negated: false }],
  ['StringNotEquals', { family: stringEquals, negated: true }],
  ['StringEqualsIgnoreCase', { family: stringEqualsIgnoreCase, negated: false }],
  ['StringNotEqualsIgnoreCase', { family: stringEqualsIgnoreCase, negated: true }],
  ['StringLike', { family: stringLike, negated: false }],
  ['StringNotLike', { family: stringLike, negated: true }],
  ['ArnEquals', { family: arnLike, negated: false }],
  ['ArnLike', { family: arnLike, negated: false }],
  ['ArnNotEquals', { family: arnLike, negated: true }],
  ['ArnNotLike', { family: arnLike, negated: true }],
  ['Bool', { family: bool, negated: false }],
  ['BinaryEquals', { family: stringEquals, negated: false }],
  ['IpAddress', { family: ipAddress, negated: false }],
  ['NotIpAddress', { family: ipAddress, negated: true }],
  ['NumericEquals', { family: numeric((a, b) => a === b), negated: false }],
  ['NumericNotEquals', { family: numeric((a, b) => a === b), negated: true }],
  ['NumericLessThan', { family: numeric((a, b) => a < b), negated: false }],
  ['NumericLessThanEquals', { family: numeric((a, b) => a <= b), negated: false }],
  ['NumericGreaterThan', { family: numeric((a, b) => a > b), negated: false }],
  ['NumericGreaterThanEquals', { family: numeric((a, b) => a >= b), negated: false }],
  ['DateEquals', { family: date((a, b) => a === b), negated: false }],
  ['DateNotEquals', { family: date((a, b) => a === b), negated: true }],
  ['DateLessThan', { family: date((a, b) => a < b), negated: false }],
  ['DateLessThanEquals', { family: date((a, b) => a <= b), negated: false }],
  ['DateGreaterThan', { family: date((a, b) => a > b), negated: false }],
  ['DateGreaterThanEquals', { family: date((a, b) => a >= b), negated: false }],
]);

const NEVER: CompiledCondition = () => false;

/** The policy values' matcher, re-made per request when they hold policy variables. */
function valueMatcher(family: Family, values: readonly string[]): (ctx: RequestContext) => Matcher {
  if (!values.some(hasVariables)) {
    const m = family(values);
    return () => m;
  }
  return (ctx) => family(values.map((v) => substitute(v, ctx)).filter((v) => v !== undefined));
}

function compileKey(operator: string, key: string, values: readonly string[]): CompiledCondition {
  if (operator === 'Null') {
    const wantsAbsent = values.some((v) => v.toLowerCase() === 'true');
    return (ctx) => (contextValues(ctx, key) === undefined) === wantsAbsent;
  }
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  let base = qualifier ? operator.slice(qualifier.length + 1) : operator;
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  const spec = OPERATORS.get(base);
  if (!spec) return NEVER;
  const matcherFor = valueMatcher(spec.family, values);
  const holds = (m: Matcher, v: string): boolean => (spec.negated ? !m(v) : m(v));
  return (ctx) => {
    const got = contextValues(ctx, key);
    if (got === undefined || got.length === 0) {
      if (ifExists) return true;
      if (qualifier === 'ForAllValues') return true;
      if (qualifier === 'ForAnyValue') return false;
      return spec.negated;
    }
    const m = matcherFor(ctx);
    if (qualifier === 'ForAllValues') return got.every((v) => holds(m, v));
    if (qualifier === 'ForAnyValue') return got.some((v) => holds(m, v));
    return spec.negated ? !got.some((v) => m(v)) : got.some((v) => m(v));
  };
}

export function compileCondition(block: ConditionBlock | undefined): CompiledCondition | undefined {
  if (!block) return undefined;
  const tests: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    for (const [key, values] of Object.entries(keys)) tests.push(compileKey(operator, key, values));
  }
  return (ctx) => tests.every((t) => t(ctx));
}
