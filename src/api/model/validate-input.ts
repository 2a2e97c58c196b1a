/**
 * Checks a parsed AWS JSON 1.0/1.1 request body against the operation's input shape in a botocore
 * service model, before the operation sees it. Service-agnostic: the caller picks the error class
 * for constraint violations (ECS: InvalidParameterException).
 *
 * - JSON type mismatches (a string where an integer belongs, an object where a list belongs, a
 *   fraction for an integer, ...) throw SerializationException at once, naming the member path.
 * - Constraint violations (missing required member, length/value out of min/max, value not in the
 *   enum) are collected over the whole body and thrown as one `constraintError`, in AWS's
 *   "N validation errors detected: ...; ..." style.
 * - Members the model does not know are ignored (as AWS does); `null` member values count as
 *   absent. String `pattern`s are not enforced (they are Java regexes, and AWS does not enforce
 *   all of them either).
 *
 * Each shape is compiled once per model into a `Node` (monomorphic, constraints precomputed), so
 * the per-request walk allocates nothing unless it finds something to report.
 */
import { SerializationException, UnknownOperationException, type AwsError } from '../../ecs/errors.js';
import type { Shape, ServiceModel } from './service-model.js';

export interface ValidateOptions {
  /** Builds the error thrown for constraint violations (ECS passes InvalidParameterException). */
  constraintError(message: string): AwsError;
  /** Check string `enum`s (default true). */
  checkEnums?: boolean;
}

/** At most this many violations are spelled out in the message (all are counted). */
export const MAX_LISTED_VIOLATIONS = 5;
/** Bodies nested deeper than this (only possible with recursive shapes) are rejected. */
export const MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Compiled shapes

const STRUCT = 0;
const LIST = 1;
const MAP = 2;
const STRING = 3;
const INTEGER = 4;
const LONG = 5;
const FLOAT = 6; // double and float
const BOOLEAN = 7;
const TIMESTAMP = 8;
const BLOB = 9;
const DOCUMENT = 10;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_LIMIT = 9223372036854775808; // 2^63

class Node {
  /** One of the kind constants above. */
  kind: number;
  /** "an Integer", "a String", ... for "can not be converted to" messages. */
  readonly convertText: string;
  readonly sensitive: boolean;
  /** Length (string/list/map/blob) or value (numbers) bounds; -Infinity/Infinity when absent. */
  readonly min: number;
  readonly max: number;
  readonly bounded: boolean;
  readonly enumSet: ReadonlySet<string> | null;
  readonly enumText: string;
  /** Structure members by wire name. */
  members: Map<string, Node> | null = null;
  /** Required members' wire names. */
  required: readonly string[] = [];
  item: Node | null = null;
  key: Node | null = null;
  value: Node | null = null;

  constructor(kind: number, convertText: string, shape: Shape) {
    this.kind = kind;
    this.convertText = convertText;
    this.sensitive = shape.sensitive === true;
    const min = 'min' in shape && typeof shape.min === 'number' ? shape.min : -Infinity;
    const max = 'max' in shape && typeof shape.max === 'number' ? shape.max : Infinity;
    this.min = min;
    this.max = max;
    this.bounded = min !== -Infinity || max !== Infinity;
    if (shape.type === 'string' && shape.enum !== undefined && shape.enum.length > 0) {
      this.enumSet = new Set(shape.enum);
      this.enumText = `[${shape.enum.join(', ')}]`;
    } else {
      this.enumSet = null;
      this.enumText = '';
    }
  }
}

interface Compiled {
  readonly nodes: Map<string, Node>;
  /** Operation name -> input node (null when the operation has no input). */
  readonly ops: Map<string, Node | null>;
}

const compiledModels = new WeakMap<ServiceModel, Compiled>();

function compiled(model: ServiceModel): Compiled {
  let c = compiledModels.get(model);
  if (c === undefined) {
    c = { nodes: new Map(), ops: new Map() };
    compiledModels.set(model, c);
  }
  return c;
}

function kindOf(shape: Shape): [number, string] {
  switch (shape.type) {
    case 'structure':
      return shape.document === true ? [DOCUMENT, 'a Document'] : [STRUCT, 'a Structure'];
    case 'list':
      return [LIST, 'a List'];
    case 'map':
      return [MAP, 'a Map'];
    case 'string':
      return [STRING, 'a String'];
    case 'integer':
      return [INTEGER, 'an Integer'];
    case 'long':
      return [LONG, 'a Long'];
    case 'double':
      return [FLOAT, 'a Double'];
    case 'float':
      return [FLOAT, 'a Float'];
    case 'boolean':
      return [BOOLEAN, 'a Boolean'];
    case 'timestamp':
      return [TIMESTAMP, 'a Timestamp'];
    case 'blob':
      return [BLOB, 'a Blob'];
  }
}

/** Compiles a shape (and everything it reaches). Registered before its children: recursion-safe. */
function nodeFor(model: ServiceModel, c: Compiled, name: string): Node {
  const cached = c.nodes.get(name);
  if (cached !== undefined) return cached;
  const shape = model.shape(name);
  if (shape === undefined) throw new Error(`service model has no shape '${name}'`);
  const [kind, convertText] = kindOf(shape);
  const node = new Node(kind, convertText, shape);
  c.nodes.set(name, node);
  if (shape.type === 'structure' && kind === STRUCT) {
    const members = new Map<string, Node>();
    const wireNames = new Map<string, string>();
    for (const [member, ref] of Object.entries(shape.members)) {
      const wire = ref.locationName ?? member;
      wireNames.set(member, wire);
      members.set(wire, nodeFor(model, c, ref.shape));
    }
    node.members = members;
    node.required = (shape.required ?? []).map((r) => wireNames.get(r) ?? r);
  } else if (shape.type === 'list') {
    node.item = nodeFor(model, c, shape.member.shape);
  } else if (shape.type === 'map') {
    node.key = nodeFor(model, c, shape.key.shape);
    node.value = nodeFor(model, c, shape.value.shape);
  }
  return node;
}

function inputNode(model: ServiceModel, operation: string): Node | null {
  const c = compiled(model);
  const hit = c.ops.get(operation);
  if (hit !== undefined) return hit;
  if (!model.hasOperation(operation)) {
    throw new UnknownOperationException(`Operation ${operation} is not supported by this service.`);
  }
  const inputName = model.inputShapeName(operation);
  const node = inputName === undefined ? null : nodeFor(model, c, inputName);
  c.ops.set(operation, node);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Walk state. Validation is synchronous and never calls out while walking, so one module-level
// path stack is safe; it is reset at the start of every call.

const path: (string | number)[] = [];
let depth = 0;
const listed: string[] = [];
let violationCount = 0;
let checkEnums = true;

function pathText(extra?: string): string {
  let s = '';
  for (let i = 0; i < depth; i++) {
    if (i > 0) s += '.';
    s += String(path[i]);
  }
  if (extra !== undefined) s = s === '' ? extra : `${s}.${extra}`;
  return s;
}

function at(): string {
  return depth === 0 ? '' : ` at '${pathText()}'`;
}

function push(seg: string | number): void {
  if (depth >= MAX_DEPTH) {
    throw new SerializationException(`Request body is nested more than ${MAX_DEPTH} levels deep${at()}`);
  }
  path[depth++] = seg;
}

function truncate(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}...` : s;
}

function valueText(node: Node | null, v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (node !== null && node.sensitive) return "'*** Sensitive Data Redacted ***'";
  if (typeof v === 'string') return `'${truncate(v)}'`;
  if (Array.isArray(v)) return `with ${v.length} element${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'with entries';
  return `'${String(v)}'`;
}

function violation(node: Node | null, v: unknown, rule: string, extra?: string): void {
  violationCount++;
  if (listed.length < MAX_LISTED_VIOLATIONS) {
    const p = pathText(extra);
    listed.push(`Value ${valueText(node, v)}${p === '' ? '' : ` at '${p}'`} failed to satisfy constraint: ${rule}`);
  }
}

function token(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'STRING_VALUE';
    case 'number':
      return 'NUMBER_VALUE';
    case 'boolean':
      return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
    default:
      return v === null ? 'NULL_VALUE' : 'UNKNOWN_VALUE';
  }
}

function javaClass(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'java.lang.String';
    case 'number':
      return Number.isInteger(v) ? 'java.lang.Integer' : 'java.lang.Double';
    case 'boolean':
      return 'java.lang.Boolean';
    default:
      return 'java.lang.Object';
  }
}

function mismatch(node: Node, v: unknown): never {
  let msg: string;
  if (Array.isArray(v)) msg = 'Start of list found where not expected.';
  else if (typeof v === 'object' && v !== null) msg = 'Start of structure or map found where not expected.';
  else if (node.kind === LIST) msg = `Unrecognized collection type class ${javaClass(v)}`;
  else msg = `${token(v)} can not be converted to ${node.convertText}`;
  throw new SerializationException(msg + at());
}

function badValue(detail: string): never {
  throw new SerializationException(detail + at());
}

// ---------------------------------------------------------------------------------------------
// The walk

function checkLength(node: Node, v: unknown, length: number, subject: string, extra?: string): void {
  if (length < node.min) {
    violation(node, v, `${subject} must have length greater than or equal to ${node.min}`, extra);
  } else if (length > node.max) {
    violation(node, v, `${subject} must have length less than or equal to ${node.max}`, extra);
  }
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** String constraints (length in Unicode code points, enum); `subject` is "Member" or "Map key". */
function checkString(node: Node, s: string, subject: string): void {
  if (node.bounded) {
    // UTF-16 length >= code point length, so only a long string needs the exact count.
    const len = s.length > node.max ? codePointLength(s) : s.length;
    checkLength(node, s, len, subject);
  }
  if (node.enumSet !== null && checkEnums && !node.enumSet.has(s)) {
    violation(node, s, `${subject} must satisfy enum value set: ${node.enumText}`);
  }
}

function checkRange(node: Node, n: number): void {
  if (n < node.min) violation(node, n, `Member must have value greater than or equal to ${node.min}`);
  else if (n > node.max) violation(node, n, `Member must have value less than or equal to ${node.max}`);
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const NUMERIC = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function visit(node: Node, v: unknown): void {
  switch (node.kind) {
    case STRUCT: {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) mismatch(node, v);
      const obj = v as Record<string, unknown>;
      const members = node.members as Map<string, Node>;
      for (const k in obj) {
        const child = members.get(k);
        if (child === undefined) continue; // unknown member: ignored, as AWS does
        const cv = obj[k];
        if (cv === null || cv === undefined) continue;
        push(k);
        visit(child, cv);
        depth--;
      }
      const required = node.required;
      for (let i = 0; i < required.length; i++) {
        const r = required[i] as string;
        const rv = obj[r];
        if (rv === null || rv === undefined) violation(null, null, 'Member must not be null', r);
      }
      return;
    }
    case LIST: {
      if (!Array.isArray(v)) mismatch(node, v);
      if (node.bounded) checkLength(node, v, v.length, 'Member');
      const item = node.item as Node;
      for (let i = 0; i < v.length; i++) {
        const el: unknown = v[i];
        push(i);
        if (el === null || el === undefined) violation(null, null, 'Member must not be null');
        else if (item.kind === STRING && typeof el === 'string') {
          if (item.bounded || item.enumSet !== null) checkString(item, el, 'Member');
        } else visit(item, el);
        depth--;
      }
      return;
    }
    case MAP: {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) mismatch(node, v);
      const obj = v as Record<string, unknown>;
      const keyNode = node.key as Node;
      const valueNode = node.value as Node;
      const checkKeys = keyNode.kind === STRING && (keyNode.bounded || keyNode.enumSet !== null);
      let count = 0;
      for (const k in obj) {
        count++;
        if (checkKeys) checkString(keyNode, k, 'Map key');
        const mv = obj[k];
        push(k);
        if (mv === null || mv === undefined) violation(null, null, 'Member must not be null');
        else visit(valueNode, mv);
        depth--;
      }
      if (node.bounded) checkLength(node, v, count, 'Member');
      return;
    }
    case STRING:
      if (typeof v !== 'string') mismatch(node, v);
      if (node.bounded || node.enumSet !== null) checkString(node, v, 'Member');
      return;
    case INTEGER:
    case LONG: {
      if (typeof v !== 'number') mismatch(node, v);
      if (!Number.isInteger(v)) {
        badValue(`NUMBER_VALUE ${v} can not be converted to ${node.convertText}: fractional value`);
      }
      if (node.kind === INTEGER ? v < INT32_MIN || v > INT32_MAX : v < -INT64_LIMIT || v >= INT64_LIMIT) {
        badValue(`NUMBER_VALUE ${v} can not be converted to ${node.convertText}: out of range`);
      }
      if (node.bounded) checkRange(node, v);
      return;
    }
    case FLOAT:
      if (typeof v !== 'number') mismatch(node, v);
      if (!Number.isFinite(v)) badValue(`NUMBER_VALUE ${v} can not be converted to ${node.convertText}`);
      if (node.bounded) checkRange(node, v);
      return;
    case BOOLEAN:
      if (typeof v !== 'boolean') mismatch(node, v);
      return;
    case TIMESTAMP:
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) badValue(`NUMBER_VALUE ${v} can not be converted to a Timestamp`);
        return;
      }
      if (typeof v !== 'string') mismatch(node, v);
      if (!(NUMERIC.test(v) || (ISO_TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v))))) {
        badValue(`STRING_VALUE '${truncate(v)}' can not be converted to a Timestamp`);
      }
      return;
    case BLOB: {
      if (typeof v !== 'string') mismatch(node, v);
      const len = v.length;
      let pad = 0;
      if (len > 0 && v.charCodeAt(len - 1) === 61 /* = */) pad = len > 1 && v.charCodeAt(len - 2) === 61 ? 2 : 1;
      if (!BASE64.test(v) || (pad > 0 ? len % 4 !== 0 : len % 4 === 1)) {
        badValue('STRING_VALUE can not be converted to a Blob: not valid base64');
      }
      if (node.bounded) checkLength(node, v, Math.floor((len * 3) / 4) - pad, 'Member');
      return;
    }
    default:
      return; // DOCUMENT: any JSON value
  }
}

/**
 * Validates `body` (the parsed JSON request body) against `operation`'s input shape.
 * Throws SerializationException on the first type mismatch, `options.constraintError(...)` listing
 * the constraint violations (if any), or UnknownOperationException for an operation the model
 * does not have. Returns nothing when the body is acceptable.
 */
export function validateInput(model: ServiceModel, operation: string, body: unknown, options: ValidateOptions): void {
  const node = inputNode(model, operation);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (Array.isArray(body)) throw new SerializationException('Start of list found where not expected.');
    throw new SerializationException(`${token(body)} can not be converted to a Structure: the request body must be a JSON object`);
  }
  if (node === null) return; // no input: any object (normally {}) is fine
  depth = 0;
  listed.length = 0;
  violationCount = 0;
  checkEnums = options.checkEnums !== false;
  try {
    visit(node, body);
  } finally {
    depth = 0;
  }
  if (violationCount === 0) return;
  const n = violationCount;
  let message = `${n} validation error${n === 1 ? '' : 's'} detected: ${listed.join('; ')}`;
  if (n > listed.length) message += `; and ${n - listed.length} more`;
  listed.length = 0;
  violationCount = 0;
  throw options.constraintError(message);
}
