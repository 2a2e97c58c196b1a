/**
 * Decodes an AWS Query request in the `ec2` protocol flavour (form parameters such as
 * `Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-…`) into an object keyed by the model's member names,
 * checking it against the operation's input shape on the way.
 *
 * Wire names follow botocore's EC2 serializer: a member's `queryName` if it has one, else its
 * `locationName` with the first letter upper-cased, else the member name. Lists are always
 * flattened as `Name.1`, `Name.2`, … (the list member's own locationName is not used on input).
 * Booleans are `true`/`false`, integers decimal. Problems answer EC2's codes: MissingParameter for a
 * required member, InvalidParameterValue for a value of the wrong type, out of range or not in
 * the enum. Members the model does not know are ignored, as EC2 does.
 */
import { Ec2Error, Ec2ErrorCode, invalidValue, missingParameter } from '../../ec2/errors.js';
import type { ServiceModel, Shape, ShapeRef } from '../model/service-model.js';

type Params = ReadonlyMap<string, string>;

/** The parameter name botocore's EC2 serializer uses for a member. */
export function queryName(member: string, ref: ShapeRef & { queryName?: string }): string {
  if (ref.queryName !== undefined) return ref.queryName;
  if (ref.locationName !== undefined) return ref.locationName.charAt(0).toUpperCase() + ref.locationName.slice(1);
  return member;
}

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
  const keys = [...params.keys()];
  return decodeStructure(model, input, '', params, keys) ?? {};
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shape(name);
  if (!shape) throw new Error(`service model has no shape '${name}'`);
  return shape;
}

function hasPrefix(keys: readonly string[], prefix: string): boolean {
  const dotted = `${prefix}.`;
  return keys.some((k) => k.startsWith(dotted));
}

function decodeStructure(model: ServiceModel, name: string, prefix: string, params: Params, keys: readonly string[]): Record<string, unknown> | undefined {
  const shape = shapeOf(model, name);
  if (shape.type !== 'structure') throw new Error(`shape '${name}' is not a structure`);
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [member, ref] of Object.entries(shape.members)) {
    const wire = queryName(member, ref);
    const full = prefix ? `${prefix}.${wire}` : wire;
    const v = decodeValue(model, ref.shape, full, params, keys);
    if (v !== undefined) {
      out[member] = v;
      any = true;
    }
  }
  for (const r of shape.required ?? []) {
    if (out[r] === undefined) {
      const ref = shape.members[r]!;
      const wire = queryName(r, ref);
      throw missingParameter(prefix ? `${prefix}.${wire}` : wire);
    }
  }
  return any || prefix === '' ? out : undefined;
}

function listIndexes(keys: readonly string[], prefix: string): number[] {
  const dotted = `${prefix}.`;
  const seen = new Set<number>();
  for (const k of keys) {
    if (!k.startsWith(dotted)) continue;
    const rest = k.slice(dotted.length);
    const end = rest.indexOf('.');
    const n = end < 0 ? rest : rest.slice(0, end);
    if (/^[1-9]\d*$/.test(n)) seen.add(Number(n));
    else throw new Ec2Error(Ec2ErrorCode.InvalidQueryParameter, `The parameter ${k} is not recognized: list members are numbered from 1.`);
  }
  return [...seen].sort((a, b) => a - b);
}

function decodeValue(model: ServiceModel, shapeName: string, full: string, params: Params, keys: readonly string[]): unknown {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure':
      return hasPrefix(keys, full) ? decodeStructure(model, shapeName, full, params, keys) : undefined;
    case 'list': {
      const indexes = listIndexes(keys, full);
      if (indexes.length === 0) return params.has(full) && params.get(full) === '' ? [] : undefined;
      const items = indexes.map((i) => decodeValue(model, shape.member.shape, `${full}.${i}`, params, keys));
      if (shape.max !== undefined && items.length > shape.max) throw invalidValue(items.length, full, `At most ${shape.max} values are allowed.`);
      return items.filter((x) => x !== undefined);
    }
    case 'map':
      throw new Error(`maps are not part of the ec2 protocol subset Pier serves (${shapeName})`);
    case 'integer':
    case 'long': {
      const text = params.get(full);
      if (text === undefined) return undefined;
      if (!/^-?\d+$/.test(text.trim())) throw invalidValue(text, full, 'It must be an integer.');
      const n = Number(text.trim());
      if (shape.min !== undefined && n < shape.min) throw invalidValue(n, full, `Expecting a value greater than or equal to ${shape.min}.`);
      if (shape.max !== undefined && n > shape.max) throw invalidValue(n, full, `Expecting a value less than or equal to ${shape.max}.`);
      return n;
    }
    case 'double':
    case 'float': {
      const text = params.get(full);
      if (text === undefined) return undefined;
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw invalidValue(text, full, 'It must be a number.');
      return n;
    }
    case 'boolean': {
      const text = params.get(full);
      if (text === undefined) return undefined;
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidValue(text, full, 'It must be true or false.');
      return lower === 'true';
    }
    case 'string': {
      const text = params.get(full);
      if (text === undefined) return undefined;
      if (shape.enum && shape.enum.length > 0 && !shape.enum.includes(text)) {
        throw invalidValue(text, full, `It must be one of: ${shape.enum.join(', ')}.`);
      }
      return text;
    }
    default:
      return params.get(full);
  }
}
