/**
 * nextToken handling for List* calls. Tokens are opaque to clients: base64url of the operation
 * name and the last key returned, so a token from one call cannot be replayed against another.
 */
import { InvalidParameterException } from '../ecs/errors.js';

export function encodeToken(operation: string, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  return Buffer.from(JSON.stringify({ o: operation, k: key })).toString('base64url');
}

export function decodeToken(operation: string, token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; k?: unknown };
    if (parsed.o === operation && typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through
  }
  throw new InvalidParameterException('Invalid nextToken: pass back the nextToken value returned by the previous call unchanged.');
}

/** maxResults: 1–max (ECS: 100), default when absent. */
export function pageSize(maxResults: number | undefined, defaultSize: number, max = 100): number {
  if (maxResults === undefined) return defaultSize;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > max) {
    throw new InvalidParameterException(`maxResults must be between 1 and ${max}, got ${maxResults}.`);
  }
  return maxResults;
}
