/**
 * Loads and indexes a botocore service model (the `service-2.json` format: `metadata`,
 * `operations`, `shapes`). Service-agnostic: ECS uses it today, other AWS JSON services
 * (logs, secretsmanager, ssm, application-autoscaling) can load their own models the same way.
 *
 * The model is checked once at load time (every shape reference resolves, every shape has a
 * known type), so code walking it later never meets a dangling reference.
 */
import { readFileSync } from 'node:fs';

/** A reference from a structure member / list member / map key or value to a named shape. */
export interface ShapeRef {
  readonly shape: string;
  /** Wire name for the member when it differs from the member name (botocore `locationName`). */
  readonly locationName?: string;
  readonly idempotencyToken?: boolean;
  readonly deprecated?: boolean;
  readonly box?: boolean;
}

interface ShapeBase {
  readonly sensitive?: boolean;
  readonly deprecated?: boolean;
}

export interface StructureShape extends ShapeBase {
  readonly type: 'structure';
  readonly members: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly exception?: boolean;
  readonly fault?: boolean;
  /** A Smithy document: any JSON value is accepted. */
  readonly document?: boolean;
  readonly union?: boolean;
}
export interface ListShape extends ShapeBase {
  readonly type: 'list';
  readonly member: ShapeRef;
  readonly min?: number;
  readonly max?: number;
}
export interface MapShape extends ShapeBase {
  readonly type: 'map';
  readonly key: ShapeRef;
  readonly value: ShapeRef;
  readonly min?: number;
  readonly max?: number;
}
export interface StringShape extends ShapeBase {
  readonly type: 'string';
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
}
export interface NumberShape extends ShapeBase {
  readonly type: 'integer' | 'long' | 'double' | 'float';
  readonly min?: number;
  readonly max?: number;
  readonly box?: boolean;
}
export interface BooleanShape extends ShapeBase {
  readonly type: 'boolean';
  readonly box?: boolean;
}
export interface TimestampShape extends ShapeBase {
  readonly type: 'timestamp';
  readonly timestampFormat?: string;
}
export interface BlobShape extends ShapeBase {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
}

export type Shape =
  | StructureShape
  | ListShape
  | MapShape
  | StringShape
  | NumberShape
  | BooleanShape
  | TimestampShape
  | BlobShape;

export type ShapeType = Shape['type'];

const SHAPE_TYPES: ReadonlySet<string> = new Set<ShapeType>([
  'structure',
  'list',
  'map',
  'string',
  'integer',
  'long',
  'double',
  'float',
  'boolean',
  'timestamp',
  'blob',
]);

export interface OperationModel {
  readonly name: string;
  /** Input shape name; undefined when the operation takes no input. */
  readonly input: string | undefined;
  /** Output shape name; undefined when the operation returns nothing. */
  readonly output: string | undefined;
  /** Query protocol: the element the output's members are wrapped in (`CreateRoleResult`). */
  readonly resultWrapper?: string;
  /** Error shape names listed for the operation. */
  readonly errors: readonly string[];
}

/** Thrown when a model file is malformed (a load-time programming error, never a client error). */
export class ServiceModelError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ServiceModelError(`${where}.${key} must be a string`);
  return v;
}

function optNumber(obj: Record<string, unknown>, key: string, where: string): void {
  const v = obj[key];
  if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
    throw new ServiceModelError(`${where}.${key} must be a number`);
  }
}

function refOf(v: unknown, where: string, shapes: Record<string, unknown>): ShapeRef {
  if (!isRecord(v) || typeof v['shape'] !== 'string') {
    throw new ServiceModelError(`${where} must be an object with a string 'shape'`);
  }
  if (!Object.hasOwn(shapes, v['shape'])) {
    throw new ServiceModelError(`${where} refers to unknown shape '${v['shape']}'`);
  }
  optString(v, 'locationName', where);
  return v as unknown as ShapeRef;
}

function checkShape(name: string, raw: unknown, shapes: Record<string, unknown>): Shape {
  const where = `shapes.${name}`;
  if (!isRecord(raw)) throw new ServiceModelError(`${where} must be an object`);
  const type = raw['type'];
  if (typeof type !== 'string' || !SHAPE_TYPES.has(type)) {
    throw new ServiceModelError(`${where} has unsupported type ${JSON.stringify(type)}`);
  }
  optNumber(raw, 'min', where);
  optNumber(raw, 'max', where);
  switch (type) {
    case 'structure': {
      const members = raw['members'] ?? {};
      if (!isRecord(members)) throw new ServiceModelError(`${where}.members must be an object`);
      for (const [m, ref] of Object.entries(members)) refOf(ref, `${where}.members.${m}`, shapes);
      const required = raw['required'];
      if (required !== undefined) {
        if (!Array.isArray(required)) throw new ServiceModelError(`${where}.required must be an array`);
        for (const r of required) {
          if (typeof r !== 'string' || !Object.hasOwn(members, r)) {
            throw new ServiceModelError(`${where}.required names unknown member ${JSON.stringify(r)}`);
          }
        }
      }
      if (raw['members'] === undefined) return { ...raw, members: {} } as unknown as StructureShape;
      break;
    }
    case 'list':
      refOf(raw['member'], `${where}.member`, shapes);
      break;
    case 'map':
      refOf(raw['key'], `${where}.key`, shapes);
      refOf(raw['value'], `${where}.value`, shapes);
      break;
    case 'string': {
      const e = raw['enum'];
      if (e !== undefined && (!Array.isArray(e) || !e.every((x) => typeof x === 'string'))) {
        throw new ServiceModelError(`${where}.enum must be an array of strings`);
      }
      break;
    }
    default:
      break;
  }
  return raw as unknown as Shape;
}

export class ServiceModel {
  readonly targetPrefix: string | undefined;
  readonly signingName: string;
  readonly protocol: string;
  readonly jsonVersion: string | undefined;
  readonly apiVersion: string | undefined;
  readonly endpointPrefix: string | undefined;
  readonly serviceId: string | undefined;
  /** Operation names in model order. */
  readonly operationNames: readonly string[];
  readonly #operations: ReadonlyMap<string, OperationModel>;
  readonly #shapes: ReadonlyMap<string, Shape>;

  private constructor(json: unknown) {
    if (!isRecord(json)) throw new ServiceModelError('service model must be a JSON object');
    const metadata = json['metadata'];
    const operations = json['operations'];
    const shapes = json['shapes'];
    if (!isRecord(metadata)) throw new ServiceModelError('service model has no metadata object');
    if (!isRecord(operations)) throw new ServiceModelError('service model has no operations object');
    if (!isRecord(shapes)) throw new ServiceModelError('service model has no shapes object');

    const protocol = optString(metadata, 'protocol', 'metadata');
    if (protocol === undefined) throw new ServiceModelError('metadata.protocol is missing');
    this.protocol = protocol;
    this.targetPrefix = optString(metadata, 'targetPrefix', 'metadata');
    this.jsonVersion = optString(metadata, 'jsonVersion', 'metadata');
    this.apiVersion = optString(metadata, 'apiVersion', 'metadata');
    this.endpointPrefix = optString(metadata, 'endpointPrefix', 'metadata');
    this.serviceId = optString(metadata, 'serviceId', 'metadata');
    const signingName = optString(metadata, 'signingName', 'metadata') ?? this.endpointPrefix;
    if (signingName === undefined) {
      throw new ServiceModelError('metadata has neither signingName nor endpointPrefix');
    }
    this.signingName = signingName;

    const shapeMap = new Map<string, Shape>();
    for (const [name, raw] of Object.entries(shapes)) shapeMap.set(name, checkShape(name, raw, shapes));
    this.#shapes = shapeMap;

    const opMap = new Map<string, OperationModel>();
    for (const [name, raw] of Object.entries(operations)) {
      const where = `operations.${name}`;
      if (!isRecord(raw)) throw new ServiceModelError(`${where} must be an object`);
      const input = raw['input'] === undefined ? undefined : refOf(raw['input'], `${where}.input`, shapes).shape;
      const outputRef = raw['output'] === undefined ? undefined : refOf(raw['output'], `${where}.output`, shapes);
      const output = outputRef?.shape;
      const resultWrapper = outputRef === undefined ? undefined : optString(outputRef as unknown as Record<string, unknown>, 'resultWrapper', `${where}.output`);
      if (input !== undefined && shapeMap.get(input)?.type !== 'structure') {
        throw new ServiceModelError(`${where}.input must refer to a structure shape`);
      }
      const errorsRaw = raw['errors'] ?? [];
      if (!Array.isArray(errorsRaw)) throw new ServiceModelError(`${where}.errors must be an array`);
      const errors = errorsRaw.map((e, i) => refOf(e, `${where}.errors.${i}`, shapes).shape);
      opMap.set(name, Object.freeze({ name, input, output, ...(resultWrapper ? { resultWrapper } : {}), errors: Object.freeze(errors) }));
    }
    this.#operations = opMap;
    this.operationNames = Object.freeze([...opMap.keys()]);
  }

  static fromJson(json: unknown): ServiceModel {
    return new ServiceModel(json);
  }

  static fromFile(path: string): ServiceModel {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ServiceModelError(`cannot read service model ${path}: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ServiceModelError(`service model ${path} is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      return new ServiceModel(json);
    } catch (err) {
      if (err instanceof ServiceModelError) {
        throw new ServiceModelError(`service model ${path}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  hasOperation(name: string): boolean {
    return this.#operations.has(name);
  }

  operation(name: string): OperationModel | undefined {
    return this.#operations.get(name);
  }

  /** Input shape name; undefined when the operation has no input (or does not exist). */
  inputShapeName(operation: string): string | undefined {
    return this.#operations.get(operation)?.input;
  }

  outputShapeName(operation: string): string | undefined {
    return this.#operations.get(operation)?.output;
  }

  shape(name: string): Shape | undefined {
    return this.#shapes.get(name);
  }

  /** All shape names, in model order. */
  shapeNames(): IterableIterator<string> {
    return this.#shapes.keys();
  }
}
