/**
 * ParameterFilters for DescribeParameters and GetParametersByPath, and DescribeParameters' older
 * Filters (pure). Each filter is checked once, then compiled to a predicate: the values of one
 * filter are alternatives, and all filters apply.
 */
import type { KeyValueTag, ParameterVersionRecord } from '../store/secret-records.js';
import { InvalidFilterKey, InvalidFilterOption, InvalidFilterValue } from './errors.js';
import { isUnderPath } from './parameter-names.js';

export interface ParameterStringFilter { Key: string; Option?: string; Values?: string[] }
export interface ParametersFilter { Key: 'Name' | 'Type' | 'KeyId'; Values: string[] }

/** A parameter as filters see it: its current version and its tags. */
export interface Filterable { readonly p: ParameterVersionRecord; readonly tags: readonly KeyValueTag[] }
type Test = (f: Filterable) => boolean;

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];

function compare(option: string, actual: string | undefined, wanted: string): boolean {
  if (actual === undefined) return false;
  if (option === 'BeginsWith') return actual.startsWith(wanted);
  if (option === 'Contains') return actual.includes(wanted);
  return actual === wanted;
}

function options(key: string): readonly string[] {
  if (key === 'Path') return ['Recursive', 'OneLevel'];
  if (key === 'Name') return ['Equals', 'BeginsWith', 'Contains'];
  if (key === 'Label') return ['Equals'];
  return ['Equals', 'BeginsWith'];
}

function checkValues(key: string, values: readonly string[]): void {
  const allowed = key === 'Type' ? TYPES : key === 'Tier' ? TIERS : undefined;
  const bad = allowed ? values.find((v) => !allowed.includes(v)) : key === 'Path' ? values.find((v) => !v.startsWith('/')) : undefined;
  if (bad !== undefined) {
    throw new InvalidFilterValue(allowed
      ? `The following filter value is not valid: ${bad}. Valid values include: [${allowed.join(', ')}].`
      : `The following filter value is not valid: ${bad}. A path must begin with a forward slash (/).`);
  }
}

function compileOne(f: ParameterStringFilter, validKeys: readonly string[]): Test {
  const key = f.Key.startsWith('tag:') ? 'tag:' : f.Key;
  if (!validKeys.includes(key)) {
    throw new InvalidFilterKey(`The following filter key is not valid: ${f.Key}. Valid filter keys include: [${validKeys.join(', ')}].`);
  }
  const option = f.Option ?? (key === 'Path' ? 'OneLevel' : 'Equals');
  if (!options(key).includes(option)) {
    throw new InvalidFilterOption(`The following filter option is not valid: ${option}. Valid options include: [${options(key).join(', ')}].`);
  }
  const values = f.Values ?? [];
  if (values.length === 0 && key !== 'tag:') throw new InvalidFilterValue(`The following filter values are missing : null for filter key ${f.Key}.`);
  checkValues(key, values);
  switch (key) {
    case 'tag:': {
      const tagKey = f.Key.slice(4);
      return ({ tags }) => tags.some((t) => t.Key === tagKey && (values.length === 0 || values.some((v) => compare(option, t.Value, v))));
    }
    case 'Path': return ({ p }) => values.some((v) => isUnderPath(p.name, v, option === 'Recursive'));
    case 'Label': return () => false; // no version carries a label: LabelParameterVersion is not served
    default: {
      const field = { Name: 'name', Type: 'type', KeyId: 'keyId', Tier: 'tier', DataType: 'dataType' }[key] as keyof ParameterVersionRecord;
      return ({ p }) => values.some((v) => compare(option, p[field] as string | undefined, v));
    }
  }
}

const DESCRIBE_KEYS = ['Path', 'Name', 'Type', 'KeyId', 'Tier', 'DataType', 'tag:'];
const BY_PATH_KEYS = ['Type', 'KeyId', 'Label'];

export function describeFilter(filters: readonly ParameterStringFilter[]): Test {
  const tests = filters.map((f) => compileOne(f, DESCRIBE_KEYS));
  return (x) => tests.every((t) => t(x));
}

export function byPathFilter(filters: readonly ParameterStringFilter[]): (p: ParameterVersionRecord) => boolean {
  const tests = filters.map((f) => compileOne(f, BY_PATH_KEYS));
  return (p) => tests.every((t) => t({ p, tags: [] }));
}

/** DescribeParameters' Filters: Name begins with, Type and KeyId equal. */
export function legacyFilter(filters: readonly ParametersFilter[]): Test {
  const tests = filters.map((f) => compileOne({ Key: f.Key, Option: f.Key === 'Name' ? 'BeginsWith' : 'Equals', Values: f.Values }, DESCRIBE_KEYS));
  return (x) => tests.every((t) => t(x));
}
