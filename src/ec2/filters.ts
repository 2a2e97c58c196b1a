/**
 * EC2 `Filter.N.Name` / `Filter.N.Value.M` matching (pure). A resource matches when, for every
 * filter, one of its values for that name matches one of the filter's values; values may use EC2's
 * wildcards (`*` any run, `?` one character, `\` escapes). `tag:KEY`, `tag-key` and `tag-value`
 * work on every resource; other names come from the resource's field table. An unknown filter
 * name is InvalidParameterValue, as EC2 answers.
 */
import type { Tag } from '../ecs/wire.js';
import { Ec2Error, Ec2ErrorCode } from './errors.js';

export interface Filter {
  readonly Name?: string;
  readonly Values?: readonly string[];
}

type FieldValue = string | number | boolean | undefined;
/** Filter name → the resource's values for it. */
export type FilterFields<T> = Readonly<Record<string, (r: T) => FieldValue | readonly FieldValue[]>>;

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function valuesOf(v: FieldValue | readonly FieldValue[]): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is string | number | boolean => x !== undefined).map(String);
}

/** Compiles the filters into a predicate over a resource and its tags. */
export function compileFilters<T>(
  filters: readonly Filter[] | undefined, fields: FilterFields<T>,
): (r: T, tags: readonly Tag[]) => boolean {
  const tests = (filters ?? []).map((f) => {
    const name = f.Name;
    if (name === undefined || name === '') throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, 'The filter \'null\' is invalid');
    const patterns = (f.Values ?? []).map(globToRegExp);
    const any = (values: readonly string[]): boolean => values.some((v) => patterns.some((p) => p.test(v)));
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      return (_r: T, tags: readonly Tag[]) => any(tags.filter((t) => t.key === key).map((t) => t.value));
    }
    if (name === 'tag-key') return (_r: T, tags: readonly Tag[]) => any(tags.map((t) => t.key));
    if (name === 'tag-value') return (_r: T, tags: readonly Tag[]) => any(tags.map((t) => t.value));
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!field) throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue, `The filter '${name}' is invalid`);
    return (r: T) => any(valuesOf(field(r)));
  });
  return (r, tags) => tests.every((t) => t(r, tags));
}
