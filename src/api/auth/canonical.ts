/**
 * SigV4 canonicalisation (the non-S3 variant every AWS JSON/Query service uses), built from the
 * request exactly as it arrived on the wire. Pure functions, node:crypto only.
 *
 * Canonical request =
 *   METHOD \n canonical-URI \n canonical-query \n (name:value \n)* \n signed-header-list \n payload-hash
 */
import { createHash, createHmac } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const SCOPE_TERMINATOR = 'aws4_request';

const HEX = '0123456789ABCDEF';

/** True for the RFC 3986 unreserved set: A-Z a-z 0-9 - . _ ~ */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f ||
    byte === 0x7e
  );
}

function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4]! + HEX[b & 0xf]!;
  }
  return out;
}

/** RFC 3986 encoding of a string's UTF-8 bytes: everything but the unreserved set becomes %XX (upper-case hex). */
export function uriEncode(value: string): string {
  return encodeBytes(Buffer.from(value, 'utf8'));
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes to raw bytes (not to a string, so invalid UTF-8 survives), leaving `+` as `+`
 * (SigV4 clients encode spaces as %20) and a `%` that is not followed by two hex digits as itself.
 */
function percentDecodeToBytes(value: string): Buffer {
  const src = Buffer.from(value, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!);
      const lo = hexValue(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Decode-then-encode: turns any (valid or sloppy) percent-encoding of a query component into the canonical one. */
function normaliseQueryComponent(raw: string): string {
  return encodeBytes(percentDecodeToBytes(raw));
}

/** Splits a raw request target into its path and query parts (absolute-form targets are reduced to origin-form). */
export function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/.exec(target);
  if (absolute) target = target.slice(absolute[0].length);
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  const query = q >= 0 ? target.slice(q + 1) : '';
  return { path: path === '' ? '/' : path, query };
}

/**
 * Canonical URI for non-S3 services, as the SDKs compute it: drop empty and `.` segments, resolve
 * `..`, keep a leading slash and (if any segment remains) a trailing slash, then URI-encode the path
 * as received (which is already percent-encoded once on the wire - so this is AWS's "encode twice";
 * `%2F` becomes `%252F`), keeping `/` separators.
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const lead = rawPath.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const encoded = lead + segments.map(uriEncode).join('/') + trail;
  return encoded === '' ? '/' : encoded;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Canonical query string from the raw query as received: each name and value is percent-decoded and
 * re-encoded with the RFC 3986 unreserved set, pairs sorted by encoded name then encoded value, a
 * name without `=` gets an empty value (`name=`). Like the JS SDK signer, a parameter named
 * X-Amz-Signature (any case) is left out (a signature cannot cover itself).
 */
export function canonicalQueryString(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq >= 0 ? part.slice(0, eq) : part;
    const rawValue = eq >= 0 ? part.slice(eq + 1) : '';
    const name = normaliseQueryComponent(rawName);
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([name, normaliseQueryComponent(rawValue)]);
  }
  pairs.sort((x, y) => compareAscii(x[0], y[0]) || compareAscii(x[1], y[1]));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Header value canonical form: whitespace runs (incl. folded CR/LF, tabs) -> one space, then trimmed. */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Lower-cased header name -> list of values. Arrays (e.g. Node's `req.headersDistinct`) are separate
 * header lines; a plain string is one line (Node's `req.headers` has already joined repeated lines
 * with ", ", which a signer joining with "," would not match - pass `headersDistinct` for that case).
 */
export function normaliseHeaders(headers: HeaderBag): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const list = out.get(key) ?? [];
    if (Array.isArray(value)) list.push(...value);
    else list.push(value);
    out.set(key, list);
  }
  return out;
}

/** The canonical value of one header: each line canonicalised, lines joined with ",". Absent -> "". */
export function headerCanonicalValue(headers: Map<string, string[]>, name: string): string {
  const values = headers.get(name);
  if (!values) return '';
  return values.map(canonicalHeaderValue).join(',');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface CanonicalRequestInput {
  method: string;
  url: string;
  headers: Map<string, string[]>;
  /** Lower-case names in the order they appear in the Authorization header's SignedHeaders. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function buildCanonicalRequest(input: CanonicalRequestInput): string {
  const { path, query } = splitTarget(input.url);
  const headerLines = input.signedHeaders.map((name) => `${name}:${headerCanonicalValue(input.headers, name)}\n`);
  return [
    input.method,
    canonicalUri(path),
    canonicalQueryString(query),
    headerLines.join(''),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function buildStringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secret, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, SCOPE_TERMINATOR);
}

export function computeSignature(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}
