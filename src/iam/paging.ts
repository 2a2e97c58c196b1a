/**
 * IAM's paging: `MaxItems` (1–1000, default 100) and an opaque `Marker`; a page that is not the
 * last says `IsTruncated: true` and carries the Marker to pass back. Markers are the control plane's
 * tokens (base64url of the operation and the last key), so one call's Marker is refused by another.
 */
import { decodeToken, encodeToken } from '../control-plane/pagination.js';
import { InvalidInputException } from './errors.js';

export const DEFAULT_MAX_ITEMS = 100;

export interface PageWire { IsTruncated: boolean; Marker?: string }

/** The key to continue after, from a Marker given back; InvalidInput for one that is not ours. */
export function afterMarker(operation: string, marker: string | undefined): string | undefined {
  try {
    return decodeToken(operation, marker);
  } catch {
    throw new InvalidInputException('Invalid Marker: pass back the Marker a previous call of this operation returned, unchanged.');
  }
}

export function pageWire(operation: string, nextKey: string | undefined): PageWire {
  return nextKey === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: encodeToken(operation, nextKey)! };
}

/** One page of an ordered, in-memory list: the items after the Marker's key, at most MaxItems of them. */
export function pageOf<T>(
  operation: string, items: readonly T[], keyOf: (item: T) => string, input: { Marker?: string; MaxItems?: number },
): { items: T[] } & PageWire {
  const after = afterMarker(operation, input.Marker);
  const limit = input.MaxItems ?? DEFAULT_MAX_ITEMS;
  const rest = after === undefined ? [...items] : items.filter((x) => keyOf(x) > after);
  const page = rest.slice(0, limit);
  return { items: page, ...pageWire(operation, rest.length > limit ? keyOf(page[page.length - 1]!) : undefined) };
}
