/**
 * IAM's glob: `*` matches any run of characters (colons and slashes included), `?` exactly one.
 * Patterns are compiled once per policy, so the hot path is an equality test for plain text, a
 * constant for `*`, and a precompiled RegExp otherwise.
 */
export type Matcher = (text: string) => boolean;

const ANY: Matcher = () => true;

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** A matcher for `pattern`; with `ignoreCase`, callers pass text already lower-cased. */
export function compileGlob(pattern: string, ignoreCase = false): Matcher {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  if (p === '*') return ANY;
  if (!hasWildcard(p)) return (text) => text === p;
  const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')}$`);
  return (text) => re.test(text);
}

/**
 * ArnLike/ArnEquals: the six colon-separated parts are matched one by one (a `*` never spans a
 * colon of the first five), the resource part as a whole.
 */
export function compileArnGlob(pattern: string): Matcher {
  const parts = splitArn(pattern);
  if (!parts) return compileGlob(pattern);
  const matchers = parts.map((p) => compileGlob(p));
  return (text) => {
    const got = splitArn(text);
    return got !== undefined && matchers.every((m, i) => m(got[i]!));
  };
}

function splitArn(text: string): string[] | undefined {
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}
