/**
 * CloudWatch requests and replies against the monitoring model, whatever the protocol: one walk
 * over the operation's input shape checks the decoded request (JSON 1.0, CBOR or Query) and turns
 * its timestamps into epoch milliseconds; one walk over the output shape turns the handlers'
 * epoch-millisecond timestamps into what the protocol writes (epoch seconds for JSON, Dates for
 * CBOR's tag 1; the Query encoder takes milliseconds as they are).
 *
 * Problems are answered the way CloudWatch words them, naming members by their Query paths
 * (`MetricData.member.1.Dimensions.member.2.Value`) in every protocol: a value of the wrong type is
 * SerializationException in JSON and CBOR (InvalidParameterValue in Query, where everything is
 * text); a missing required member is MissingParameter; a length, range, pattern or enum
 * violation is InvalidParameterValue. GetMetricData and the alarm operations answer all of them as
 * ValidationError.
 */
import { SerializationException, type AwsError } from '../ecs/errors.js';
import { InvalidParameterValueException, MissingRequiredParameterException, ValidationError } from '../metrics/errors.js';
import type { ServiceModel, Shape } from './model/service-model.js';

export type WireFormat = 'json' | 'cbor' | 'query';

interface Errors {
  missing(message: string): AwsError;
  invalid(message: string): AwsError;
  type(message: string): AwsError;
}

/** The alarm operations answer input problems as ValidationError too. */
const VALIDATION_ERROR_OPERATIONS = new Set([
  'PutMetricAlarm', 'DescribeAlarms', 'DescribeAlarmsForMetric', 'DeleteAlarms', 'SetAlarmState', 'EnableAlarmActions', 'DisableAlarmActions', 'DescribeAlarmHistory',
]);

function errorsFor(operation: string, wire: WireFormat): Errors {
  if (operation === 'GetMetricData' || VALIDATION_ERROR_OPERATIONS.has(operation)) {
    const v = (m: string): AwsError => new ValidationError(m);
    return { missing: v, invalid: v, type: wire === 'query' ? v : (m) => new SerializationException(m) };
  }
  return {
    missing: (m) => new MissingRequiredParameterException(m),
    invalid: (m) => new InvalidParameterValueException(m),
    type: wire === 'query' ? (m) => new InvalidParameterValueException(m) : (m) => new SerializationException(m),
  };
}

const patterns = new Map<string, RegExp | null>();
function patternOf(source: string): RegExp | null {
  if (!patterns.has(source)) {
    try {
      patterns.set(source, new RegExp(`^(?:${source})$`, 'su'));
    } catch {
      patterns.set(source, null);
    }
  }
  return patterns.get(source)!;
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shape(name);
  if (!s) throw new Error(`the monitoring model has no shape ${name}`);
  return s;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));

/** Epoch ms of a timestamp as a protocol carries it: epoch seconds, an ISO 8601 string, or a Date. */
function timestampMs(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v * 1000) : undefined;
  if (typeof v === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Checks `raw` (the decoded body) against `operation`'s input shape and returns it with member
 * values of the model's types and timestamps in epoch ms. Throws CloudWatch's error for the first
 * problem.
 */
export function readInput(model: ServiceModel, operation: string, raw: unknown, wire: WireFormat): Record<string, unknown> {
  const input = model.inputShapeName(operation);
  if (input === undefined) return {};
  const errs = errorsFor(operation, wire);
  const body = raw ?? {};
  if (typeof body !== 'object' || Array.isArray(body) || body instanceof Date) throw errs.type('The request body must be a structure.');
  return readValue(model, input, body, '', errs) as Record<string, unknown>;
}

function readValue(model: ServiceModel, shapeName: string, v: unknown, path: string, errs: Errors): unknown {
  const shape = shapeOf(model, shapeName);
  const at = path || 'the request';
  const wrongType = (what: string): never => {
    throw errs.type(`The value ${show(v)} for parameter ${at} is invalid: it must be ${what}.`);
  };
  switch (shape.type) {
    case 'structure': {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) return wrongType('a structure');
      const obj = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const req of shape.required ?? []) {
        if (obj[req] === undefined || obj[req] === null) throw errs.missing(`The parameter ${path ? `${path}.` : ''}${req} is required.`);
      }
      for (const [member, ref] of Object.entries(shape.members)) {
        const mv = obj[member];
        if (mv === undefined || mv === null) continue;
        out[member] = readValue(model, ref.shape, mv, path ? `${path}.${member}` : member, errs);
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(v)) return wrongType('a list');
      if (shape.max !== undefined && v.length > shape.max) throw errs.invalid(`The collection ${at} must not have a size greater than ${shape.max}.`);
      if (shape.min !== undefined && v.length < shape.min) throw errs.invalid(`The collection ${at} must have a size of at least ${shape.min}.`);
      return v.map((item, i) => {
        if (item === null || item === undefined) throw errs.missing(`The parameter ${at}.member.${i + 1} is required.`);
        return readValue(model, shape.member.shape, item, `${at}.member.${i + 1}`, errs);
      });
    }
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) return wrongType('a map');
      const entries = Object.entries(v as Record<string, unknown>);
      if (shape.max !== undefined && entries.length > shape.max) throw errs.invalid(`The collection ${at} must not have a size greater than ${shape.max}.`);
      if (shape.min !== undefined && entries.length < shape.min) throw errs.invalid(`The collection ${at} must have a size of at least ${shape.min}.`);
      const out: Record<string, unknown> = {};
      entries.forEach(([k, x], i) => {
        readValue(model, shape.key.shape, k, `${at}.entry.${i + 1}.key`, errs);
        out[k] = readValue(model, shape.value.shape, x, `${at}.entry.${i + 1}.value`, errs);
      });
      return out;
    }
    case 'string': {
      if (typeof v !== 'string') return wrongType('a string');
      const len = [...v].length;
      if (shape.max !== undefined && len > shape.max) throw errs.invalid(`The parameter ${at} must be shorter than ${shape.max + 1} characters.`);
      if (shape.min !== undefined && len < shape.min) throw errs.invalid(`The parameter ${at} must be longer than ${shape.min - 1} characters.`);
      if (shape.enum && shape.enum.length > 0 && !shape.enum.includes(v)) throw errs.invalid(`The parameter ${at} must be a value in the set [${shape.enum.join(', ')}].`);
      const re = shape.pattern === undefined ? null : patternOf(shape.pattern);
      if (re && !re.test(v)) throw errs.invalid(`The value ${v} for parameter ${at} is invalid.`);
      return v;
    }
    case 'integer':
    case 'long': {
      const n = typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) return wrongType('an integer');
      if (shape.type === 'integer' && (n < -(2 ** 31) || n >= 2 ** 31)) return wrongType('a 32-bit integer');
      if (shape.min !== undefined && n < shape.min) throw errs.invalid(`The parameter ${at} must be greater than or equal to ${shape.min}.`);
      if (shape.max !== undefined && n > shape.max) throw errs.invalid(`The parameter ${at} must be less than or equal to ${shape.max}.`);
      return n;
    }
    case 'double':
    case 'float': {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number') return wrongType('a number');
      return n;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return wrongType('true or false');
      return v;
    case 'timestamp': {
      const ms = timestampMs(v);
      if (ms === undefined) return wrongType('a timestamp (epoch seconds or ISO 8601)');
      return ms;
    }
    default:
      return v;
  }
}

/** Turns a handler's output (timestamps in epoch ms) into what JSON (epoch seconds) or CBOR (Dates) writes. */
export function writeOutput(model: ServiceModel, operation: string, output: unknown, wire: 'json' | 'cbor'): unknown {
  const name = model.outputShapeName(operation);
  return name === undefined || output === undefined ? undefined : writeValue(model, name, output, wire);
}

function writeValue(model: ServiceModel, shapeName: string, v: unknown, wire: 'json' | 'cbor'): unknown {
  if (v === undefined || v === null) return undefined;
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [member, ref] of Object.entries(shape.members)) {
        const x = writeValue(model, ref.shape, (v as Record<string, unknown>)[member], wire);
        if (x !== undefined) out[member] = x;
      }
      return out;
    }
    case 'list':
      return (v as unknown[]).map((x) => writeValue(model, shape.member.shape, x, wire));
    case 'map':
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, writeValue(model, shape.value.shape, x, wire)]));
    case 'timestamp':
      return wire === 'cbor' ? new Date(v as number) : (v as number) / 1000;
    default:
      return v;
  }
}
