/**
 * JSON filter patterns: `{ $.level = "ERROR" && ($.latency > 500 || $.user.id = 7) }`.
 *
 * Pure: `parseJsonPattern(text)` turns the text between the braces into an expression;
 * `evaluate(expr, value)` decides a parsed JSON event; `requiredLiterals(expr)` says which literal
 * strings an event's text must contain for the expression to hold (so a store can use a text index).
 *
 * Semantics (CloudWatch Logs' filter pattern syntax):
 * - Selectors start at `$` and step through `.name` and `[index]`; a selector that reaches an object
 *   or array (not a value) matches nothing, with `=` and `!=` alike, and so does a missing one.
 * - `=` / `!=` compare text: strings as they are, numbers and booleans as JSON writes them; a
 *   number literal also equals a number field numerically (`= 400` matches 400 and 400.0). A `*`
 *   at the start and/or end of a string value is a wildcard (`*Event`, `Event*`, `*vent*`, `*`);
 *   one in the middle is a literal asterisk.
 * - `<`, `>`, `<=`, `>=` need a number literal and a number field (or a string holding a number).
 * - `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; `&&` binds tighter than `||`; parentheses group.
 */
import { InvalidParameterException } from './errors.js';

export type PathStep = string | number;
export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';
export type JsonLiteral =
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'string'; readonly core: string; readonly leadingWild: boolean; readonly trailingWild: boolean };

export type JsonExpr =
  | { readonly kind: 'and' | 'or'; readonly left: JsonExpr; readonly right: JsonExpr }
  | { readonly kind: 'compare'; readonly path: readonly PathStep[]; readonly op: CompareOp; readonly literal: JsonLiteral }
  | { readonly kind: 'is'; readonly path: readonly PathStep[]; readonly what: 'NULL' | 'TRUE' | 'FALSE' }
  | { readonly kind: 'notExists'; readonly path: readonly PathStep[] };

/** Literal substrings: the event must contain every literal of at least one alternative. */
export type LiteralRequirement = readonly (readonly string[])[];

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const IDENT = /[A-Za-z0-9_\-@]/;
const BARE_STOP = new Set([' ', '\t', '\n', '\r', ')', '(', '&', '|', '"']);
const MAX_ALTERNATIVES = 16;

export const invalidPattern = (): InvalidParameterException => new InvalidParameterException('Invalid filter pattern');

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): JsonExpr {
    const e = this.or();
    this.ws();
    if (this.i !== this.s.length) throw invalidPattern();
    return e;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private eat(token: string): boolean {
    this.ws();
    if (this.s.startsWith(token, this.i)) {
      this.i += token.length;
      return true;
    }
    return false;
  }

  private keyword(word: string): boolean {
    this.ws();
    const next = this.s.slice(this.i, this.i + word.length);
    if (next.toUpperCase() !== word) return false;
    const after = this.s[this.i + word.length];
    if (after !== undefined && /[A-Za-z0-9_]/.test(after)) return false;
    this.i += word.length;
    return true;
  }

  private or(): JsonExpr {
    let left = this.and();
    while (this.eat('||')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): JsonExpr {
    let left = this.unary();
    while (this.eat('&&')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): JsonExpr {
    if (this.eat('(')) {
      const e = this.or();
      if (!this.eat(')')) throw invalidPattern();
      return e;
    }
    return this.comparison();
  }

  private comparison(): JsonExpr {
    const path = this.selector();
    if (this.keyword('IS')) {
      for (const what of ['NULL', 'TRUE', 'FALSE'] as const) if (this.keyword(what)) return { kind: 'is', path, what };
      throw invalidPattern();
    }
    if (this.keyword('NOT')) {
      if (this.keyword('EXISTS')) return { kind: 'notExists', path };
      throw invalidPattern();
    }
    const op = this.operator();
    const literal = this.literal();
    if (op !== '=' && op !== '!=' && literal.kind !== 'number') throw invalidPattern();
    return { kind: 'compare', path, op, literal };
  }

  private selector(): PathStep[] {
    if (!this.eat('$')) throw invalidPattern();
    const path: PathStep[] = [];
    for (;;) {
      if (this.s[this.i] === '.') {
        this.i++;
        const start = this.i;
        while (this.i < this.s.length && IDENT.test(this.s[this.i]!)) this.i++;
        if (this.i === start) throw invalidPattern();
        path.push(this.s.slice(start, this.i));
      } else if (this.s[this.i] === '[') {
        const m = /^\[(\d+)\]/.exec(this.s.slice(this.i));
        if (!m) throw invalidPattern();
        path.push(Number(m[1]));
        this.i += m[0].length;
      } else {
        break;
      }
    }
    if (path.length === 0) throw invalidPattern();
    return path;
  }

  private operator(): CompareOp {
    for (const op of ['!=', '<=', '>=', '=', '<', '>'] as const) if (this.eat(op)) return op;
    throw invalidPattern();
  }

  private literal(): JsonLiteral {
    this.ws();
    let raw: string;
    let quoted = false;
    if (this.s[this.i] === '"') {
      quoted = true;
      raw = this.quoted();
    } else {
      const start = this.i;
      while (this.i < this.s.length && !BARE_STOP.has(this.s[this.i]!)) this.i++;
      raw = this.s.slice(start, this.i);
      if (raw === '') throw invalidPattern();
    }
    if (!quoted && NUMBER.test(raw)) return { kind: 'number', value: Number(raw), text: raw };
    return stringLiteral(raw);
  }

  private quoted(): string {
    let out = '';
    this.i++; // opening quote
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === '"') return out;
      if (c === '\\' && this.i < this.s.length) out += this.s[this.i++]!;
      else out += c;
    }
    throw invalidPattern();
  }
}

function stringLiteral(raw: string): JsonLiteral {
  if (raw === '*') return { kind: 'string', core: '', leadingWild: true, trailingWild: true };
  const leadingWild = raw.startsWith('*');
  const trailingWild = raw.length > 1 && raw.endsWith('*');
  const core = raw.slice(leadingWild ? 1 : 0, trailingWild ? raw.length - 1 : raw.length);
  return { kind: 'string', core, leadingWild, trailingWild };
}

/** Parses the inside of `{ ... }` (the braces already removed). Throws InvalidParameterException. */
export function parseJsonPattern(inner: string): JsonExpr {
  if (inner.trim() === '') throw invalidPattern();
  return new Parser(inner).parse();
}

const MISSING = Symbol('missing');

function resolve(root: unknown, path: readonly PathStep[]): unknown {
  let v: unknown = root;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(v) || step >= v.length) return MISSING;
      v = v[step];
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, step)) return MISSING;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return undefined;
}

function textMatches(text: string, lit: Extract<JsonLiteral, { kind: 'string' }>): boolean {
  if (lit.leadingWild && lit.trailingWild) return text.includes(lit.core);
  if (lit.leadingWild) return text.endsWith(lit.core);
  if (lit.trailingWild) return text.startsWith(lit.core);
  return text === lit.core;
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMBER.test(v.trim())) return Number(v);
  return undefined;
}

function equals(v: unknown, lit: JsonLiteral): boolean {
  if (lit.kind === 'number') return typeof v === 'number' ? v === lit.value : textOf(v) === lit.text;
  const text = textOf(v);
  return text !== undefined && textMatches(text, lit);
}

function compare(e: Extract<JsonExpr, { kind: 'compare' }>, root: unknown): boolean {
  const v = resolve(root, e.path);
  if (v === MISSING || v === null || typeof v === 'object') return false;
  switch (e.op) {
    case '=':
      return equals(v, e.literal);
    case '!=':
      return !equals(v, e.literal);
    default: {
      const n = numberOf(v);
      const lit = e.literal as Extract<JsonLiteral, { kind: 'number' }>;
      if (n === undefined) return false;
      if (e.op === '<') return n < lit.value;
      if (e.op === '>') return n > lit.value;
      if (e.op === '<=') return n <= lit.value;
      return n >= lit.value;
    }
  }
}

/** Decides one parsed JSON event (the whole document). */
export function evaluate(e: JsonExpr, root: unknown): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, root) && evaluate(e.right, root);
    case 'or':
      return evaluate(e.left, root) || evaluate(e.right, root);
    case 'compare':
      return compare(e, root);
    case 'is': {
      const v = resolve(root, e.path);
      return e.what === 'NULL' ? v === null : v === (e.what === 'TRUE');
    }
    case 'notExists':
      return resolve(root, e.path) === MISSING;
  }
}

/**
 * Literals the event's text (or, for JSON with escapes, its decoded strings) must contain for `e` to
 * hold; undefined when no such literals exist (the expression can hold for events without them).
 */
export function requiredLiterals(e: JsonExpr): LiteralRequirement | undefined {
  switch (e.kind) {
    case 'compare': {
      if (e.op !== '=' || e.literal.kind !== 'string' || e.literal.core === '' || NUMBER.test(e.literal.core)) return undefined;
      return [[e.literal.core]];
    }
    case 'and': {
      const l = requiredLiterals(e.left);
      const r = requiredLiterals(e.right);
      if (!l || !r) return l ?? r;
      if (l.length * r.length > MAX_ALTERNATIVES) return l.length <= r.length ? l : r;
      return l.flatMap((a) => r.map((b) => [...a, ...b]));
    }
    case 'or': {
      const l = requiredLiterals(e.left);
      const r = requiredLiterals(e.right);
      if (!l || !r || l.length + r.length > MAX_ALTERNATIVES) return undefined;
      return [...l, ...r];
    }
    default:
      return undefined;
  }
}
