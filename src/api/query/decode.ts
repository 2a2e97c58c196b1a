/**
 * Decodes an AWS Query request (form parameters) into an object keyed by the model's member names,
 * in either flavour of the protocol; the model's `metadata.protocol` says which.
 *
 * `ec2` (EC2), as botocore's EC2 serializer writes it: a member's wire name is its `queryName`, else
 * its `locationName` with the first letter upper-cased, else the member name; lists are always
 * flattened as `Name.1`, `Name.2`, … (`Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-…`). Required
 * members, ranges and enums are checked on the way and answer EC2's codes: MissingParameter,
 * InvalidParameterValue.
 *
 * `query` (IAM, STS, …), as botocore's Query serializer writes it: a member's wire name is its
 * `locationName` as it is, else the member name; lists are `Name.member.N` (the list member's
 * locationName replaces `member`), or `Name.N` when the list is `flattened`; maps are
 * `Name.entry.N.key` / `Name.entry.N.value`. Constraints are checked after decoding, all at once,
 * as one ValidationError (query/constraints.ts).
 *
 * In both, an empty list is `Name=`, booleans are `true`/`false`, integers decimal, and members the
 * model does not know are ignored, as AWS does.
 */
import { AwsError } from '../../ecs/errors.js';
import { Ec2Error, Ec2ErrorCode, invalidValue, missingParameter } from '../../ec2/errors.js';
import type { ListShape, MapShape, ServiceModel, Shape, ShapeRef } from '../model/service-model.js';
import { checkConstraints } from './constraints.js';
import { QueryError, QueryErrorCode } from './errors.js';

type Params = ReadonlyMap<string, string>;
/** Serialization traits botocore reads from shapes and member references beside the ShapeRef basics. */
type WireRef = ShapeRef & { queryName?: string; flattened?: boolean };

/** What differs between the two flavours on the way in. */
interface Dialect {
  memberName(member: string, ref: WireRef): string;
  /** The prefix under which a list's items are numbered `.1`, `.2`, … */
  listItems(full: string, shape: ListShape, ref: WireRef): string;
  /** ec2 checks required members, ranges and enums while decoding; query leaves them to checkConstraints. */
  readonly checksWhileDecoding: boolean;
  invalid(text: string, full: string, why: string): AwsError;
  badIndex(key: string): AwsError;
}

/** The parameter name botocore's EC2 serializer uses for a member. */
export function queryName(member: string, ref: WireRef): string {
  if (ref.queryName !== undefined) return ref.queryName;
  if (ref.locationName !== undefined) return ref.locationName.charAt(0).toUpperCase() + ref.locationName.slice(1);
  return member;
}

const ec2Dialect: Dialect = {
  memberName: queryName,
  listItems: (full) => full,
  checksWhileDecoding: true,
  invalid: (text, full, why) => invalidValue(text, full, why),
  badIndex: (key) => new Ec2Error(Ec2ErrorCode.InvalidQueryParameter, `The parameter ${key} is not recognized: list members are numbered from 1.`),
};

const isFlattened = (shape: Shape, ref: WireRef): boolean => ref.flattened === true || (shape as { flattened?: boolean }).flattened === true;

const queryDialect: Dialect = {
  memberName: (member, ref) => ref.locationName ?? member,
  listItems(full, shape, ref) {
    if (!isFlattened(shape, ref)) return `${full}.${shape.member.locationName ?? 'member'}`;
    if (shape.member.locationName === undefined) return full;
    const dot = full.lastIndexOf('.');
    return dot < 0 ? shape.member.locationName : `${full.slice(0, dot)}.${shape.member.locationName}`;
  },
  checksWhileDecoding: false,
  invalid: (text, full, why) => new QueryError(QueryErrorCode.InvalidParameterValue, `Value (${text}) for parameter ${full} is invalid. ${why}`),
  badIndex: (key) => new QueryError(QueryErrorCode.InvalidQueryParameter, `The parameter ${key} is not recognized: list members are numbered from 1.`),
};

/** Parses a form-encoded body (and the URL's query string) into name → value. */
export function formParams(body: Buffer, url?: URL): Map<string, string> {
  const out = new Map<string, string>();
  if (url) for (const [k, v] of url.searchParams) out.set(k, v);
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out.set(k, v);
  return out;
}

export function decodeInput(model: ServiceModel, operation: string, params: Params): Record<string, unknown> {
  const input = model.inputShapeName(operation);
  if (input === undefined) return {};
  const d = model.protocol === 'query' ? queryDialect : ec2Dialect;
  const decoded = decodeStructure(new Walk(model, d, params), input, '') ?? {};
  if (!d.checksWhileDecoding) checkConstraints(model, input, decoded);
  return decoded;
}

class Walk {
  readonly keys: readonly string[];
  constructor(readonly model: ServiceModel, readonly d: Dialect, readonly params: Params) {
    this.keys = [...params.keys()];
  }
  shape(name: string): Shape {
    const shape = this.model.shape(name);
    if (!shape) throw new Error(`service model has no shape '${name}'`);
    return shape;
  }
  hasPrefix(prefix: string): boolean {
    const dotted = `${prefix}.`;
    return this.keys.some((k) => k.startsWith(dotted));
  }
  /** The indexes N of the `prefix.N…` parameters, ascending. */
  indexes(prefix: string): number[] {
    const dotted = `${prefix}.`;
    const seen = new Set<number>();
    for (const k of this.keys) {
      if (!k.startsWith(dotted)) continue;
      const rest = k.slice(dotted.length);
      const end = rest.indexOf('.');
      const n = end < 0 ? rest : rest.slice(0, end);
      if (/^[1-9]\d*$/.test(n)) seen.add(Number(n));
      else throw this.d.badIndex(k);
    }
    return [...seen].sort((a, b) => a - b);
  }
}

function decodeStructure(w: Walk, name: string, prefix: string): Record<string, unknown> | undefined {
  const shape = w.shape(name);
  if (shape.type !== 'structure') throw new Error(`shape '${name}' is not a structure`);
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [member, ref] of Object.entries(shape.members)) {
    const wire = w.d.memberName(member, ref);
    const v = decodeValue(w, ref, prefix ? `${prefix}.${wire}` : wire);
    if (v !== undefined) {
      out[member] = v;
      any = true;
    }
  }
  if (w.d.checksWhileDecoding) {
    for (const r of shape.required ?? []) {
      if (out[r] === undefined) {
        const wire = w.d.memberName(r, shape.members[r]!);
        throw missingParameter(prefix ? `${prefix}.${wire}` : wire);
      }
    }
  }
  return any || prefix === '' ? out : undefined;
}

function decodeList(w: Walk, shape: ListShape, ref: WireRef, full: string): unknown[] | undefined {
  const itemsAt = w.d.listItems(full, shape, ref);
  const indexes = w.indexes(itemsAt);
  if (indexes.length === 0) return w.params.get(full) === '' ? [] : undefined;
  const items = indexes.map((i) => decodeValue(w, shape.member, `${itemsAt}.${i}`));
  if (w.d.checksWhileDecoding && shape.max !== undefined && items.length > shape.max) {
    throw invalidValue(items.length, full, `At most ${shape.max} values are allowed.`);
  }
  return items.filter((x) => x !== undefined);
}

function decodeMap(w: Walk, shape: MapShape, ref: WireRef, full: string): Record<string, unknown> | undefined {
  if (w.d.checksWhileDecoding) throw new Error(`maps are not part of the ec2 protocol subset Pier serves (${ref.shape})`);
  const entries = isFlattened(shape, ref) ? full : `${full}.entry`;
  const indexes = w.indexes(entries);
  if (indexes.length === 0) return undefined;
  const keyName = shape.key.locationName ?? 'key';
  const valueName = shape.value.locationName ?? 'value';
  const out: Record<string, unknown> = {};
  for (const i of indexes) {
    const key = decodeValue(w, shape.key, `${entries}.${i}.${keyName}`);
    if (typeof key !== 'string') throw w.d.invalid('', `${entries}.${i}.${keyName}`, 'Every map entry needs a key.');
    out[key] = decodeValue(w, shape.value, `${entries}.${i}.${valueName}`);
  }
  return out;
}

function decodeValue(w: Walk, ref: WireRef, full: string): unknown {
  const shape = w.shape(ref.shape);
  switch (shape.type) {
    case 'structure':
      return w.hasPrefix(full) ? decodeStructure(w, ref.shape, full) : undefined;
    case 'list':
      return decodeList(w, shape, ref, full);
    case 'map':
      return decodeMap(w, shape, ref, full);
    case 'integer':
    case 'long': {
      const text = w.params.get(full);
      if (text === undefined) return undefined;
      if (!/^-?\d+$/.test(text.trim())) throw w.d.invalid(text, full, 'It must be an integer.');
      const n = Number(text.trim());
      if (w.d.checksWhileDecoding) {
        if (shape.min !== undefined && n < shape.min) throw invalidValue(n, full, `Expecting a value greater than or equal to ${shape.min}.`);
        if (shape.max !== undefined && n > shape.max) throw invalidValue(n, full, `Expecting a value less than or equal to ${shape.max}.`);
      }
      return n;
    }
    case 'double':
    case 'float': {
      const text = w.params.get(full);
      if (text === undefined) return undefined;
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw w.d.invalid(text, full, 'It must be a number.');
      return n;
    }
    case 'boolean': {
      const text = w.params.get(full);
      if (text === undefined) return undefined;
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw w.d.invalid(text, full, 'It must be true or false.');
      return lower === 'true';
    }
    case 'string': {
      const text = w.params.get(full);
      if (text === undefined) return undefined;
      if (w.d.checksWhileDecoding && shape.enum && shape.enum.length > 0 && !shape.enum.includes(text)) {
        throw invalidValue(text, full, `It must be one of: ${shape.enum.join(', ')}.`);
      }
      return text;
    }
    default:
      return w.params.get(full);
  }
}
