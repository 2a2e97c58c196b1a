import { ClientException } from '../errors.js';

/** Family, container and volume names: up to 255 letters, digits, hyphens and underscores. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MAX_NAME_LENGTH = 255;

/** A private ECR repository image ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:tag"). */
export const PRIVATE_ECR_IMAGE = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

export function containerLabel(name: string | undefined): string {
  return `container '${name ?? ''}'`;
}

/** ECS phrasing for a bad value: "Invalid 'field' setting for <subject>. <detail>" */
export function invalidSetting(field: string, subject: string, detail: string): string {
  return `Invalid '${field}' setting for ${subject}. ${detail}`;
}

export function isOutsideRange(value: number | undefined, min: number, max: number): value is number {
  return value !== undefined && (!Number.isInteger(value) || value < min || value > max);
}

/** Throws ClientException when `value` is given and is not an integer within [min, max]. */
export function requireIntegerInRange(
  value: number | undefined,
  range: { min: number; max: number; unit?: string },
  field: string,
  subject: string,
): void {
  if (!isOutsideRange(value, range.min, range.max)) return;
  const unit = range.unit === undefined ? '' : ` ${range.unit}`;
  throw new ClientException(
    invalidSetting(field, subject, `The value must be between ${range.min} and ${range.max}${unit}; got ${value}.`),
  );
}

/** Throws ClientException when `value` is given and is negative or not an integer. */
export function requireNonNegativeInteger(value: number | undefined, field: string, subject: string): void {
  if (value === undefined || (Number.isInteger(value) && value >= 0)) return;
  throw new ClientException(invalidSetting(field, subject, `The value must be a non-negative integer; got ${value}.`));
}

/** The first value that occurs more than once, if any. */
export function firstDuplicate<T>(values: readonly T[]): T | undefined {
  const seen = new Set<T>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** A copy of `value` with its defined members in `order`; members not listed are dropped. */
export function withKeyOrder<T extends object>(value: T, order: readonly (keyof T)[]): T {
  const ordered: Partial<T> = {};
  for (const key of order) {
    if (value[key] !== undefined) ordered[key] = value[key];
  }
  return ordered as T;
}
