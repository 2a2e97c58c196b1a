/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`) in Resource and condition
 * values, replaced by the request's value of that key. `${*}`, `${?}` and `${$}` stand for those
 * characters. A variable whose key the request lacks makes the text match nothing.
 */
import { contextValues, type RequestContext } from './request-context.js';

const VARIABLE = /\$\{([^}]+)\}/g;
const LITERALS: Record<string, string> = { '*': '*', '?': '?', $: '$' };

export function hasVariables(text: string): boolean {
  return text.includes('${');
}

/** The text with its variables replaced, or undefined when the request lacks one of their keys. */
export function substitute(text: string, ctx: RequestContext): string | undefined {
  let missing = false;
  const out = text.replace(VARIABLE, (_, key: string) => {
    if (LITERALS[key] !== undefined) return LITERALS[key];
    const values = contextValues(ctx, key);
    if (!values || values.length !== 1) {
      missing = true;
      return '';
    }
    return values[0]!;
  });
  return missing ? undefined : out;
}
