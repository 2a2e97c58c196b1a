/**
 * GetLogEvents' forward and backward tokens. Pure.
 *
 * Events in a stream are ordered by (timestamp, id); a boundary (ts, id) sits just after the event
 * with that key. `f/<boundary>` reads the events after the boundary, oldest first; `b/<boundary>`
 * reads the events at or before it, newest first (each page is still returned oldest first). A
 * page of events e1..ek answers `f/(ek)` and `b/(e1 - 1)`, so the two tokens continue each way
 * without overlap. A page with no events answers the very token it was given (as AWS does: "if you
 * have reached the end of the stream, it returns the same token you passed in") and the same
 * boundary for the other direction. Tokens look like AWS's (`f/<56 digits>/s`) and name the stream
 * they belong to, so a token from another stream is refused.
 */
import { InvalidParameterException } from './errors.js';

export interface Boundary {
  readonly ts: number;
  readonly id: number;
}
export type Direction = 'forward' | 'backward';

export interface StreamReadPlan {
  readonly direction: Direction;
  readonly from: Boundary;
  /** The token the request carried, when it did. */
  readonly token?: string;
}

export const MAX_KEY = Number.MAX_SAFE_INTEGER;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function encodeStreamToken(direction: Direction, streamId: number, b: Boundary): string {
  return `${direction === 'forward' ? 'f' : 'b'}/${pad(streamId, 16)}${pad(b.ts + 1, 20)}${pad(b.id, 20)}/s`;
}

const TOKEN = /^([fb])\/(\d{16})(\d{20})(\d{20})\/s$/;

export function decodeStreamToken(token: string, streamId: number): StreamReadPlan {
  const m = TOKEN.exec(token);
  const ts = m ? Number(m[3]) - 1 : NaN;
  const id = m ? Number(m[4]) : NaN;
  if (!m || Number(m[2]) !== streamId || !Number.isSafeInteger(ts) || !Number.isSafeInteger(id)) {
    throw new InvalidParameterException('The specified nextToken is invalid.');
  }
  return { direction: m[1] === 'f' ? 'forward' : 'backward', from: { ts, id }, token };
}

/** Where a GetLogEvents call starts reading. */
export function planStreamRead(
  streamId: number, input: { nextToken?: string; startFromHead?: boolean; startTime?: number; endTime?: number },
): StreamReadPlan {
  if (input.nextToken !== undefined) return decodeStreamToken(input.nextToken, streamId);
  if (input.startFromHead) return { direction: 'forward', from: { ts: (input.startTime ?? 0) - 1, id: MAX_KEY } };
  return { direction: 'backward', from: input.endTime === undefined ? { ts: MAX_KEY, id: MAX_KEY } : { ts: input.endTime - 1, id: MAX_KEY } };
}

export interface StreamTokens {
  readonly nextForwardToken: string;
  readonly nextBackwardToken: string;
}

/** The tokens answering a page (`first`/`last` are its oldest and newest events, when it has any). */
export function pageTokens(
  streamId: number, plan: StreamReadPlan, page: { first: Boundary; last: Boundary } | undefined, startTime: number | undefined,
): StreamTokens {
  if (page) {
    return {
      nextForwardToken: encodeStreamToken('forward', streamId, page.last),
      nextBackwardToken: encodeStreamToken('backward', streamId, { ts: page.first.ts, id: page.first.id - 1 }),
    };
  }
  if (plan.token !== undefined) {
    return plan.direction === 'forward'
      ? { nextForwardToken: plan.token, nextBackwardToken: encodeStreamToken('backward', streamId, plan.from) }
      : { nextForwardToken: encodeStreamToken('forward', streamId, plan.from), nextBackwardToken: plan.token };
  }
  // Nothing in range on a first call: both tokens sit before the range, so reading forward
  // picks up whatever arrives later.
  const before: Boundary = { ts: (startTime ?? 0) - 1, id: MAX_KEY };
  return { nextForwardToken: encodeStreamToken('forward', streamId, before), nextBackwardToken: encodeStreamToken('backward', streamId, before) };
}
