import { InvalidParameterException } from '../errors.js';

export const MAX_TAGS = 50;
export const TAG_KEY_LENGTH = { min: 1, max: 128 } as const;
export const TAG_VALUE_MAX_LENGTH = 256;
/** The model's TagKey/TagValue pattern: letters, separators, digits and _ . : / = + - @ */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_PREFIX = 'aws:';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length in Unicode code points, as the model's min/max count it. */
function charLength(text: string): number {
  return [...text].length;
}

function parseTag(raw: unknown, index: number): { key: string; value: string } {
  if (!isRecord(raw)) throw new InvalidParameterException(`Tag at index ${index} must be an object with 'key' and 'value'.`);
  const { key, value = '' } = raw;
  if (typeof key !== 'string' || charLength(key) < TAG_KEY_LENGTH.min || charLength(key) > TAG_KEY_LENGTH.max) {
    const length = typeof key === 'string' ? charLength(key) : 0;
    throw new InvalidParameterException(
      `Tag keys must be between ${TAG_KEY_LENGTH.min} and ${TAG_KEY_LENGTH.max} characters; the key at index ${index} has ${length}.`,
    );
  }
  if (typeof value !== 'string') throw new InvalidParameterException(`The value of tag '${key}' must be a string.`);
  if (charLength(value) > TAG_VALUE_MAX_LENGTH) {
    throw new InvalidParameterException(
      `Tag values must be at most ${TAG_VALUE_MAX_LENGTH} characters; the value of tag '${key}' has ${charLength(value)}.`,
    );
  }
  if (!TAG_TEXT.test(key) || !TAG_TEXT.test(value)) {
    throw new InvalidParameterException(
      `Tag '${key}' contains invalid characters. Keys and values may use letters, numbers, spaces and _ . : / = + - @.`,
    );
  }
  if (key.toLowerCase().startsWith(RESERVED_PREFIX)) {
    throw new InvalidParameterException(`Tag key '${key}' is invalid: the 'aws:' prefix is reserved for AWS use.`);
  }
  return { key, value };
}

/**
 * Tag rules shared by every taggable ECS resource: at most `maxTags`, key 1-128 and value 0-256
 * characters, keys unique, 'aws:' prefix (any case) reserved. Absent tags are an empty list.
 */
export function validateTags(tags: unknown, maxTags: number = MAX_TAGS): { key: string; value: string }[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw new InvalidParameterException("'tags' must be a list of {key, value} objects.");
  if (tags.length > maxTags) {
    throw new InvalidParameterException(`A resource can have at most ${maxTags} tags; ${tags.length} were given.`);
  }
  const parsed = tags.map((tag: unknown, index) => parseTag(tag, index));
  const seen = new Set<string>();
  for (const { key } of parsed) {
    if (seen.has(key)) throw new InvalidParameterException(`Tag keys must be unique; '${key}' appears more than once.`);
    seen.add(key);
  }
  return parsed;
}
