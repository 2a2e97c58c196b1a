/**
 * CloudWatch Logs filter patterns, compiled once per request into a matcher. Pure.
 *
 * - `""` (or only spaces) matches every event.
 * - Terms: `ERROR Exception` matches events containing both, case-sensitively, anywhere in the
 *   message (`ERROR` matches `ERRORCODE`, as AWS's examples show). `"Failed to process"` is one
 *   exact phrase (inside quotes `\"` is a quote and `\\` a backslash).
 * - `?ERROR ?WARN` matches events containing either; `-DEBUG` (or `- "DEBUG"`) excludes events
 *   containing it. Mixed, an event must contain every plain term, at least one `?` term (when
 *   there are any) and no `-` term.
 * - `{ ... }` is a JSON pattern (json-pattern.ts); it matches only events whose message is JSON.
 * - Space-delimited (`[ip, user, ...]`) and regex (`%...%`) patterns are refused as unsupported.
 *
 * `requirement` lists literal substrings a matching event must contain (see LiteralRequirement), so
 * a store can narrow the events it reads with a text index; `matches` is always the final word.
 */
import { InvalidParameterException } from './errors.js';
import {
  evaluate, invalidPattern, parseJsonPattern, requiredLiterals, type JsonExpr, type LiteralRequirement,
} from './json-pattern.js';

export type { LiteralRequirement } from './json-pattern.js';

export interface CompiledFilterPattern {
  readonly kind: 'all' | 'terms' | 'json';
  matches(message: string): boolean;
  /** Undefined when any event may match (no literal narrows the search). */
  readonly requirement: LiteralRequirement | undefined;
}

export interface Term {
  readonly text: string;
  /** `and`: must appear; `or`: one of the `or` terms must appear; `not`: must not appear. */
  readonly role: 'and' | 'or' | 'not';
}

export const MATCH_ALL: CompiledFilterPattern = { kind: 'all', matches: () => true, requirement: undefined };

/** Splits an unstructured pattern into its terms. Throws InvalidParameterException. */
export function parseTerms(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  const s = pattern;
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  for (;;) {
    ws();
    if (i >= s.length) return terms;
    let role: Term['role'] = 'and';
    if (s[i] === '?' || s[i] === '-') {
      role = s[i] === '?' ? 'or' : 'not';
      i++;
      ws();
      if (i >= s.length) throw invalidPattern();
    }
    let text = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i++]!;
        if (c === '"') {
          closed = true;
          break;
        }
        text += c === '\\' && i < s.length ? s[i++]! : c;
      }
      if (!closed || (i < s.length && !/\s/.test(s[i]!))) throw invalidPattern();
    } else {
      const start = i;
      while (i < s.length && !/\s/.test(s[i]!)) {
        if (s[i] === '"') throw invalidPattern();
        i++;
      }
      text = s.slice(start, i);
    }
    terms.push({ text, role });
  }
}

function termsPattern(terms: readonly Term[]): CompiledFilterPattern {
  const and = terms.filter((t) => t.role === 'and').map((t) => t.text);
  const or = terms.filter((t) => t.role === 'or').map((t) => t.text);
  const not = terms.filter((t) => t.role === 'not').map((t) => t.text);
  const matches = (m: string): boolean =>
    and.every((t) => m.includes(t)) && (or.length === 0 || or.some((t) => m.includes(t))) && !not.some((t) => m.includes(t));
  const required = and.filter((t) => t !== '');
  let requirement: LiteralRequirement | undefined;
  if (or.length === 0) requirement = required.length > 0 ? [required] : undefined;
  else if (!or.includes('')) requirement = or.map((t) => [...required, t]);
  else requirement = required.length > 0 ? [required] : undefined;
  return { kind: 'terms', matches, requirement };
}

function jsonPattern(expr: JsonExpr): CompiledFilterPattern {
  const matches = (m: string): boolean => {
    const first = m.trimStart()[0];
    if (first !== '{' && first !== '[') return false;
    let doc: unknown;
    try {
      doc = JSON.parse(m);
    } catch {
      return false;
    }
    return typeof doc === 'object' && doc !== null && evaluate(expr, doc);
  };
  return { kind: 'json', matches, requirement: requiredLiterals(expr) };
}

/** Compiles a filter pattern; throws InvalidParameterException for one that is malformed or unsupported. */
export function compileFilterPattern(pattern: string | undefined): CompiledFilterPattern {
  const text = (pattern ?? '').trim();
  if (text === '') return MATCH_ALL;
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw invalidPattern();
    return jsonPattern(parseJsonPattern(text.slice(1, -1)));
  }
  if (text.startsWith('[')) {
    throw new InvalidParameterException('Pier does not support space-delimited filter patterns ([field, ...]) yet; use terms, quoted phrases or a JSON pattern.');
  }
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%')) {
    throw new InvalidParameterException('Pier does not support regular expression filter patterns (%...%) yet; use terms, quoted phrases or a JSON pattern.');
  }
  return termsPattern(parseTerms(text));
}

/**
 * Decoded string values and keys of a JSON message whose text has escapes (`\"`, `\u0041`, …), where
 * a JSON pattern's literal may not appear verbatim; empty for anything else. A text index that
 * indexes these beside the message keeps `requirement` a safe narrowing for JSON patterns too.
 */
export function decodedJsonStrings(message: string): string[] {
  if (!message.includes('\\')) return [];
  const first = message.trimStart()[0];
  if (first !== '{' && first !== '[') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        walk(x);
      }
    }
  };
  walk(doc);
  return out;
}
