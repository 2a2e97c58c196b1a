/**
 * Checks a decoded `query`-protocol input against its shape's constraints — required members,
 * lengths, ranges, patterns, enums — and reports every violation at once as one ValidationError,
 * worded as IAM and STS word it:
 *
 *   2 validation errors detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must
 *   satisfy regular expression pattern: [\w+=,.@-]+; Value '1' at 'maxSessionDuration' …
 *
 * Paths name members with their first letter lower-cased; list items are `tags.1.member.key`.
 * Patterns are the model's (Java regexes, matched against the whole value); the few a JavaScript
 * regex cannot express are skipped rather than guessed at.
 */
import type { ServiceModel, Shape } from '../model/service-model.js';
import { validationError } from './errors.js';

const compiledPatterns = new Map<string, RegExp | null>();

function patternOf(source: string): RegExp | null {
  let re = compiledPatterns.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${source})$`, 'u');
    } catch {
      re = null;
    }
    compiledPatterns.set(source, re);
  }
  return re;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const codePoints = (s: string): number => [...s].length;

class Violations {
  readonly found: string[] = [];
  add(shape: Shape | undefined, value: unknown, path: string, rule: string): void {
    this.found.push(`Value ${describe(shape, value)} at '${path}' failed to satisfy constraint: ${rule}`);
  }
}

function describe(shape: Shape | undefined, value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (shape?.sensitive) return "'*** Sensitive Data Redacted ***'";
  const text = Array.isArray(value) ? `[${value.map((v) => (typeof v === 'object' ? '{…}' : String(v))).join(', ')}]` : String(value);
  return `'${text.length > 100 ? `${text.slice(0, 100)}...` : text}'`;
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shape(name);
  if (!shape) throw new Error(`service model has no shape '${name}'`);
  return shape;
}

function checkLength(shape: Shape & { min?: number; max?: number }, value: unknown, length: number, path: string, out: Violations): void {
  if (shape.min !== undefined && length < shape.min) out.add(shape, value, path, `Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) out.add(shape, value, path, `Member must have length less than or equal to ${shape.max}`);
}

function visit(model: ServiceModel, shapeName: string, value: unknown, path: string, out: Violations): void {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const obj = value as Record<string, unknown>;
      const required = new Set(shape.required ?? []);
      for (const [member, ref] of Object.entries(shape.members)) {
        const name = lowerFirst(ref.locationName ?? member);
        const at = path ? `${path}.${name}` : name;
        const v = obj[member];
        if (v === undefined) {
          if (required.has(member)) out.add(undefined, undefined, at, 'Member must not be null');
        } else {
          visit(model, ref.shape, v, at, out);
        }
      }
      return;
    }
    case 'list': {
      const items = value as unknown[];
      checkLength(shape, items, items.length, path, out);
      items.forEach((item, i) => visit(model, shape.member.shape, item, `${path}.${i + 1}.member`, out));
      return;
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(shape, value, entries.length, path, out);
      entries.forEach(([k, v], i) => {
        visit(model, shape.key.shape, k, `${path}.${i + 1}.key`, out);
        visit(model, shape.value.shape, v, `${path}.${i + 1}.value`, out);
      });
      return;
    }
    case 'string': {
      const s = value as string;
      checkLength(shape, s, codePoints(s), path, out);
      const re = shape.pattern === undefined ? null : patternOf(shape.pattern);
      if (re && !re.test(s)) out.add(shape, s, path, `Member must satisfy regular expression pattern: ${shape.pattern}`);
      if (shape.enum && shape.enum.length > 0 && !shape.enum.includes(s)) {
        out.add(shape, s, path, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      }
      return;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) out.add(shape, n, path, `Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) out.add(shape, n, path, `Member must have value less than or equal to ${shape.max}`);
      return;
    }
    default:
      return;
  }
}

/** Throws a ValidationError listing every violation in `input` (an object of `shapeName`), or returns. */
export function checkConstraints(model: ServiceModel, shapeName: string, input: Record<string, unknown>): void {
  const out = new Violations();
  visit(model, shapeName, input, '', out);
  const n = out.found.length;
  if (n > 0) throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${out.found.join('; ')}`);
}
