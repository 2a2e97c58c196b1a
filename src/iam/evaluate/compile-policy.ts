/**
 * Identity policies compiled for evaluation: each statement's Action/NotAction, Resource/NotResource
 * and Condition become predicates once, when a principal's policies are loaded, so deciding a
 * request is a walk over closures. Documents were checked when stored (policy-document.ts).
 */
import { PolicyKind, parsePolicyDocument, type PolicyStatement } from '../policy-document.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import { hasVariables, substitute } from './policy-variables.js';
import type { RequestContext } from './request-context.js';
import { compileGlob, type Matcher } from './wildcard.js';

export interface CompiledStatement {
  readonly effect: 'Allow' | 'Deny';
  /** Takes the action lower-cased. */
  readonly action: Matcher;
  readonly resource: (resource: string, ctx: RequestContext) => boolean;
  readonly condition?: CompiledCondition;
}

export interface CompiledPolicy {
  /** Where it came from, e.g. `inline:deploy` or a managed policy's ARN (for messages and tests). */
  readonly source: string;
  readonly statements: readonly CompiledStatement[];
}

function listMatcher(list: readonly string[] | undefined, notList: readonly string[] | undefined, ignoreCase: boolean): Matcher {
  const patterns = (list ?? notList ?? []).map((p) => compileGlob(p, ignoreCase));
  const any = (text: string): boolean => patterns.some((m) => m(text));
  return list ? any : (text) => !any(text);
}

/** Resource patterns; those with policy variables are filled in per request (with a small cache of compiled forms). */
function resourceMatcher(list: readonly string[] | undefined, notList: readonly string[] | undefined): CompiledStatement['resource'] {
  const patterns = list ?? notList ?? [];
  if (!patterns.some(hasVariables)) {
    const m = listMatcher(list, notList, false);
    return (resource) => m(resource);
  }
  const cache = new Map<string, Matcher>();
  const compiled = (p: string): Matcher => {
    let m = cache.get(p);
    if (!m) {
      if (cache.size > 256) cache.clear();
      m = compileGlob(p);
      cache.set(p, m);
    }
    return m;
  };
  return (resource, ctx) => {
    const any = patterns.some((p) => {
      const text = hasVariables(p) ? substitute(p, ctx) : p;
      return text !== undefined && compiled(text)(resource);
    });
    return list ? any : !any;
  };
}

export function compileStatement(s: PolicyStatement): CompiledStatement {
  const condition = compileCondition(s.condition);
  return {
    effect: s.effect,
    action: listMatcher(s.action, s.notAction, true),
    resource: resourceMatcher(s.resource, s.notResource),
    ...(condition ? { condition } : {}),
  };
}

/** Parses and compiles one identity policy document. */
export function compilePolicy(source: string, document: string): CompiledPolicy {
  const doc = parsePolicyDocument(document, PolicyKind.identity);
  return { source, statements: doc.statements.map(compileStatement) };
}
