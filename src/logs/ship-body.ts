/**
 * The binary body of the agent's POST /agent/v1/hosts/{id}/logs (content type SHIP_BODY_TYPE): a
 * batch of a container's output costs a few bytes and no JSON per event, and the server takes the
 * messages as one slice of the body, never a string each.
 *
 *   "PLB1" | u32 header bytes | header JSON {taskArn, containerName, source, fromOffset, toOffset}
 *   | u32 n | n × f64 timestamp | n × f64 offset | n × u32 message bytes | the messages, back to back
 *
 * Numbers are little-endian; the header is padded with spaces so the tables start 8-byte aligned
 * (they are read and written as typed arrays). Pure.
 */
import type { EventBatch } from './event-batch.js';

export const SHIP_BODY_TYPE = 'application/vnd.pier.logs';
const MAGIC = 0x31424c50; // "PLB1" read as u32 LE

export interface ShipBodyHeader {
  taskArn: string;
  containerName: string;
  source: string;
  fromOffset: number;
  toOffset: number;
}

export class ShipBodyError extends Error {}

/** A copy of `bytes` at an 8-byte aligned address (typed-array views need it). */
function aligned(bytes: Buffer): Buffer {
  if (bytes.byteOffset % 8 === 0) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

export function encodeShipBody(header: ShipBodyHeader, events: EventBatch): Buffer {
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json);
  json += ' '.repeat((8 - ((12 + jsonBytes) % 8)) % 8);
  const n = events.timestamps.length;
  const headerBytes = Buffer.byteLength(json);
  const tables = 12 + headerBytes;
  const dataBytes = n === 0 ? 0 : events.ends[n - 1]!;
  const out = Buffer.allocUnsafeSlow(tables + n * 20 + dataBytes);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(headerBytes, 4);
  out.write(json, 8, 'utf8');
  out.writeUInt32LE(n, 8 + headerBytes);
  new Float64Array(out.buffer, out.byteOffset + tables, n).set(events.timestamps);
  new Float64Array(out.buffer, out.byteOffset + tables + n * 8, n).set(events.offsets ?? new Array<number>(n).fill(0));
  const lens = new Uint32Array(out.buffer, out.byteOffset + tables + n * 16, n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const end = events.ends[i]!;
    lens[i] = end - prev;
    prev = end;
  }
  events.data.copy(out, tables + n * 20, 0, dataBytes);
  return out;
}

const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The header and events of a body; throws ShipBodyError when it is not one. The events' data is a slice of the body. */
export function decodeShipBody(input: Buffer): { header: ShipBodyHeader; events: EventBatch } {
  if (input.length < 12 || input.readUInt32LE(0) !== MAGIC) throw new ShipBodyError('not a log batch body');
  const headerBytes = input.readUInt32LE(4);
  if (8 + headerBytes + 4 > input.length || (12 + headerBytes) % 8 !== 0) throw new ShipBodyError('the header runs past the body or is not padded');
  let header: ShipBodyHeader;
  try {
    header = JSON.parse(input.toString('utf8', 8, 8 + headerBytes)) as ShipBodyHeader;
  } catch {
    throw new ShipBodyError('the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || typeof header.taskArn !== 'string' || typeof header.containerName !== 'string') {
    throw new ShipBodyError('taskArn and containerName are required.');
  }
  if (header.source !== 'stdout' && header.source !== 'stderr') throw new ShipBodyError('source must be stdout or stderr.');
  if (!isOffset(header.fromOffset) || !isOffset(header.toOffset)) throw new ShipBodyError('fromOffset and toOffset must be byte offsets.');
  const tables = 12 + headerBytes;
  const n = input.readUInt32LE(8 + headerBytes);
  if (tables + n * 20 > input.length) throw new ShipBodyError('the event table runs past the body');
  const body = aligned(input);
  const timestamps = Array.from(new Float64Array(body.buffer, body.byteOffset + tables, n));
  const offsets = Array.from(new Float64Array(body.buffer, body.byteOffset + tables + n * 8, n));
  const lens = new Uint32Array(body.buffer, body.byteOffset + tables + n * 16, n);
  const ends = new Array<number>(n);
  let last = -1;
  let end = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isSafeInteger(timestamps[i])) throw new ShipBodyError(`events.${i} needs an integer timestamp.`);
    const o = offsets[i]!;
    if (!isOffset(o) || o <= last) throw new ShipBodyError(`events.${i}.offset must be a byte offset after the previous one.`);
    last = o;
    ends[i] = end += lens[i]!;
  }
  const at = tables + n * 20;
  if (at + end !== body.length) throw new ShipBodyError('the messages do not fill the rest of the body');
  return { header, events: { timestamps, ends, offsets, data: body.subarray(at, at + end) } };
}
