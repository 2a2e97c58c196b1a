/**
 * Metric math for GetMetricData (pure): the subset Pier evaluates.
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-' unary | power
 *   power   := primary ('^' unary)?
 *   primary := number | id | '(' expr ')' | '[' expr (',' expr)* ']' | FUNC '(' [expr | 'text'] ')'
 *   FUNC    := SUM | AVG | MIN | MAX | ABS | METRICS
 *
 * Values are numbers, time series (ascending timestamps) and arrays of time series. Arithmetic
 * works on any mix: a series with a number maps every point, two series combine at the timestamps
 * both have, an array applies to each of its series. SUM/AVG/MIN/MAX of an array (`[m1, m2]` or
 * `METRICS()`) give one series, point by point over the timestamps any member has; of a single
 * series they give one number (over all its points). METRICS() is every MetricStat query of the
 * request, METRICS('x') those whose id or label contains x. Points whose result is not a finite
 * number (a division by zero) are left out, as CloudWatch does.
 */
export interface Series {
  readonly label: string;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

export type MathValue = number | Series | Series[];

export class ExpressionError extends Error {}

type Node =
  | { k: 'num'; v: number }
  | { k: 'id'; id: string }
  | { k: 'neg'; e: Node }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '^'; a: Node; b: Node }
  | { k: 'list'; items: Node[] }
  | { k: 'call'; fn: string; arg: Node | undefined; text: string | undefined };

const FUNCTIONS = new Set(['SUM', 'AVG', 'MIN', 'MAX', 'ABS', 'METRICS']);
const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([-+*/^(),[\]]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new ExpressionError(`Unexpected character at position ${at + 1}: '${src.slice(at).trim()[0]}'`);
    out.push(m[0].trim());
  }
  return out;
}

/** Parses an expression (ExpressionError says what is wrong and where). */
export function parseExpression(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const take = (want?: string): string => {
    const t = toks[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new ExpressionError(t === undefined ? `Unexpected end of expression${want ? `, expected '${want}'` : ''}` : `Unexpected '${t}'${want ? `, expected '${want}'` : ''}`);
    return t;
  };
  const expr = (): Node => {
    let a = term();
    while (peek() === '+' || peek() === '-') a = { k: 'bin', op: take() as '+' | '-', a, b: term() };
    return a;
  };
  const term = (): Node => {
    let a = unary();
    while (peek() === '*' || peek() === '/') a = { k: 'bin', op: take() as '*' | '/', a, b: unary() };
    return a;
  };
  const unary = (): Node => (peek() === '-' ? (take(), { k: 'neg', e: unary() }) : power());
  const power = (): Node => {
    const a = primary();
    return peek() === '^' ? (take(), { k: 'bin', op: '^', a, b: unary() }) : a;
  };
  const primary = (): Node => {
    const t = take();
    if (/^[\d.]/.test(t)) return { k: 'num', v: Number(t) };
    if (t === '(') {
      const e = expr();
      take(')');
      return e;
    }
    if (t === '[') {
      const items = [expr()];
      while (peek() === ',') (take(), items.push(expr()));
      take(']');
      return { k: 'list', items };
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() !== '(') return { k: 'id', id: t };
      const fn = t.toUpperCase();
      if (!FUNCTIONS.has(fn)) throw new ExpressionError(`Unknown function ${t}`);
      take('(');
      let arg: Node | undefined;
      let text: string | undefined;
      if (peek() !== ')') {
        const p = peek()!;
        if (p.startsWith("'") || p.startsWith('"')) text = take().slice(1, -1).replace(/\\(.)/g, '$1');
        else arg = expr();
      }
      take(')');
      return { k: 'call', fn, arg, text };
    }
    throw new ExpressionError(`Unexpected '${t}'`);
  };
  const node = expr();
  if (i < toks.length) throw new ExpressionError(`Unexpected '${toks[i]}'`);
  return node;
}

/** The ids an expression refers to (for ordering and checking the request). */
export function referencedIds(node: Node): string[] {
  switch (node.k) {
    case 'id': return [node.id];
    case 'neg': return referencedIds(node.e);
    case 'bin': return [...referencedIds(node.a), ...referencedIds(node.b)];
    case 'list': return node.items.flatMap(referencedIds);
    case 'call': return node.arg ? referencedIds(node.arg) : [];
    default: return [];
  }
}

/** Whether the expression uses METRICS() (it then depends on every MetricStat query). */
export function usesMetrics(node: Node): boolean {
  switch (node.k) {
    case 'neg': return usesMetrics(node.e);
    case 'bin': return usesMetrics(node.a) || usesMetrics(node.b);
    case 'list': return node.items.some(usesMetrics);
    case 'call': return node.fn === 'METRICS' || (node.arg !== undefined && usesMetrics(node.arg));
    default: return false;
  }
}

export interface Scope {
  value(id: string): MathValue | undefined;
  /** The MetricStat queries' series, for METRICS(). */
  metrics(): { id: string; series: Series }[];
}

const isSeries = (v: MathValue): v is Series => typeof v === 'object' && !Array.isArray(v);

function pointwise(s: Series, f: (x: number) => number, label = s.label): Series {
  const timestamps: number[] = [];
  const values: number[] = [];
  s.values.forEach((x, k) => {
    const y = f(x);
    if (Number.isFinite(y)) (timestamps.push(s.timestamps[k]!), values.push(y));
  });
  return { label, timestamps, values };
}

function combine(a: Series, b: Series, f: (x: number, y: number) => number): Series {
  const at = new Map<number, number>();
  b.timestamps.forEach((t, k) => at.set(t, b.values[k]!));
  const timestamps: number[] = [];
  const values: number[] = [];
  a.timestamps.forEach((t, k) => {
    const y = at.get(t);
    if (y === undefined) return;
    const r = f(a.values[k]!, y);
    if (Number.isFinite(r)) (timestamps.push(t), values.push(r));
  });
  return { label: a.label, timestamps, values };
}

function binary(a: MathValue, b: MathValue, f: (x: number, y: number) => number): MathValue {
  if (Array.isArray(a)) return a.map((s) => binary(s, b, f) as Series);
  if (Array.isArray(b)) return b.map((s) => binary(a, s, f) as Series);
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  if (typeof a === 'number') return pointwise(b as Series, (y) => f(a, y));
  if (typeof b === 'number') return pointwise(a, (x) => f(x, b));
  return combine(a, b, f);
}

const REDUCE: Record<string, (xs: number[]) => number> = {
  SUM: (xs) => xs.reduce((s, x) => s + x, 0),
  AVG: (xs) => xs.reduce((s, x) => s + x, 0) / xs.length,
  MIN: (xs) => Math.min(...xs),
  MAX: (xs) => Math.max(...xs),
};

function reduce(fn: string, v: MathValue, label: string): MathValue {
  const f = REDUCE[fn]!;
  if (typeof v === 'number') return v;
  if (isSeries(v)) {
    if (v.values.length === 0) throw new ExpressionError(`${fn} of a time series with no data points`);
    return f([...v.values]);
  }
  const byTime = new Map<number, number[]>();
  for (const s of v) s.timestamps.forEach((t, k) => (byTime.get(t) ?? byTime.set(t, []).get(t)!).push(s.values[k]!));
  const timestamps = [...byTime.keys()].sort((x, y) => x - y);
  return pointwise({ label, timestamps, values: timestamps.map((t) => f(byTime.get(t)!)) }, (x) => x);
}

/** Evaluates a parsed expression; `label` names a series it makes. */
export function evaluate(node: Node, scope: Scope, label: string): MathValue {
  const ev = (n: Node): MathValue => evaluate(n, scope, label);
  switch (node.k) {
    case 'num': return node.v;
    case 'id': {
      const v = scope.value(node.id);
      if (v === undefined) throw new ExpressionError(`Unrecognized metric or expression id: ${node.id}`);
      return v;
    }
    case 'neg': return binary(-1, ev(node.e), (x, y) => x * y);
    case 'bin': {
      const ops = { '+': (x: number, y: number) => x + y, '-': (x: number, y: number) => x - y, '*': (x: number, y: number) => x * y, '/': (x: number, y: number) => x / y, '^': (x: number, y: number) => x ** y };
      const r = binary(ev(node.a), ev(node.b), ops[node.op]);
      return isSeries(r) ? { ...r, label } : r;
    }
    case 'list': {
      const items = node.items.map(ev);
      return items.flatMap((v) => {
        if (typeof v === 'number') throw new ExpressionError('A list may hold only time series');
        return Array.isArray(v) ? v : [v];
      });
    }
    case 'call': {
      if (node.fn === 'METRICS') {
        const want = node.text ?? '';
        return scope.metrics().filter((m) => m.id.includes(want) || m.series.label.includes(want)).map((m) => m.series);
      }
      if (!node.arg) throw new ExpressionError(`${node.fn} needs an argument`);
      const v = ev(node.arg);
      if (node.fn === 'ABS') return binary(v, 0, (x) => Math.abs(x));
      return reduce(node.fn, v, label);
    }
  }
}

export type ParsedExpression = Node;
