/**
 * AWS Signature Version 4 verification of incoming requests (Authorization-header form only; no
 * presigned query-string form, no chunked/streaming payloads, no SigV4a).
 *
 * Checks run in the order AWS's front end applies them, so a request with several problems gets
 * the same error AWS would give: header syntax and presence (Incomplete) -> date format (Incomplete)
 * -> clock skew (Invalid) -> Host/date signed (Invalid) -> credential scope (Invalid) -> access key
 * (Unrecognized) -> payload hash and signature (Invalid). Messages follow AWS's wording.
 *
 * Session tokens: `x-amz-security-token` may be present and signed like any other header; it is
 * covered by the signature check but NOT validated against any token store here - the caller owns
 * that if it issues temporary credentials.
 *
 * Pure: the clock, region and key store are injected; node:crypto only.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../../ecs/errors.js';
import {
  SCOPE_TERMINATOR,
  SIGV4_ALGORITHM,
  buildCanonicalRequest,
  buildStringToSign,
  computeSignature,
  deriveSigningKey,
  headerCanonicalValue,
  normaliseHeaders,
  sha256Hex,
  splitTarget,
} from './canonical.js';

export interface IncomingSignedRequest {
  method: string;
  /** Raw request target as received, e.g. "/" or "/path?x=1&b=2" (percent-encoding preserved). */
  url: string;
  /**
   * Node's IncomingHttpHeaders: lowercase keys; values string | string[] | undefined. Arrays are
   * taken as separate header lines (joined with "," as SigV4 specifies), so `req.headersDistinct`
   * is the most faithful input; `req.headers` works for every header sent once.
   */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface VerifyOptions {
  /** Injected clock (epoch ms). */
  nowMs: number;
  /** Allowed distance between the request's date and now; default 15 minutes. */
  maxSkewMs?: number;
  /** The region this server is; a credential scoped to any other region is rejected. */
  region: string;
  /**
   * Services signed for one global region whatever region the server is (IAM, global STS: the SDKs
   * sign them for us-east-1); a credential for one of these may be scoped to that region too.
   */
  globalServices?: ReadonlyMap<string, string>;
  /**
   * Secret for an access key id, or undefined when the key is unknown. Temporary keys come with
   * the request's session token (X-Amz-Security-Token), which the lookup must check belongs to them.
   */
  lookupSecret(accessKeyId: string, sessionToken: string | undefined): string | undefined;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  service: string;
  /** X-Amz-Security-Token, present for temporary credentials. */
  sessionToken?: string;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface ParsedAuthorization {
  raw: string;
  scope: CredentialScope;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** One header as a single string (repeated lines joined with ","), or undefined when absent. */
function singleHeader(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const direct = headers[name];
  let value: string | string[] | undefined = direct;
  if (value === undefined) {
    // Tolerate callers that did not lower-case the keys.
    for (const [k, v] of Object.entries(headers)) {
      if (k.toLowerCase() === name && v !== undefined) {
        value = v;
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value.length === 0 ? undefined : value.join(',')) : value;
}

function parseAuthorizationInternal(headers: IncomingSignedRequest['headers']): ParsedAuthorization {
  const raw = singleHeader(headers, 'authorization');
  if (raw === undefined || raw.trim() === '') {
    throw new MissingAuthenticationTokenException('Missing Authentication Token');
  }
  const trimmed = raw.trim();
  const firstSpace = trimmed.search(/\s/);
  const algorithm = firstSpace < 0 ? trimmed : trimmed.slice(0, firstSpace);
  const rest = firstSpace < 0 ? '' : trimmed.slice(firstSpace + 1);

  // Anything that is not an AWS4 scheme (Bearer, Basic, SigV2 "AWS key:sig") carries no SigV4 token.
  if (!algorithm.startsWith('AWS4-')) {
    throw new MissingAuthenticationTokenException('Missing Authentication Token');
  }

  // key=value pairs separated by commas and/or whitespace (AWS splits on both, hence its
  // "'x' not a valid key=value pair" for "Credential= x").
  const params = new Map<string, string>();
  for (const token of rest.split(/[,\s]+/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      throw new IncompleteSignatureException(
        `'${token}' not a valid key=value pair (missing equal-sign) in Authorization header: '${raw}'.`,
      );
    }
    params.set(token.slice(0, eq), token.slice(eq + 1));
  }

  const credential = params.get('Credential');
  const signedHeadersRaw = params.get('SignedHeaders');
  const signature = params.get('Signature');
  let problems = '';
  if (!credential) problems += "Authorization header requires 'Credential' parameter. ";
  if (!signature) problems += "Authorization header requires 'Signature' parameter. ";
  if (signedHeadersRaw === undefined) problems += "Authorization header requires 'SignedHeaders' parameter. ";
  if (singleHeader(headers, 'x-amz-date') === undefined && singleHeader(headers, 'date') === undefined) {
    problems += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (problems !== '' || !credential || !signature || signedHeadersRaw === undefined) {
    throw new IncompleteSignatureException(`${problems}Authorization=${raw}`);
  }

  if (algorithm !== SIGV4_ALGORITHM) {
    throw new IncompleteSignatureException(
      `Unsupported AWS 'algorithm': '${algorithm}' (only ${SIGV4_ALGORITHM} for now). `,
    );
  }

  // AWS ignores trailing slashes on the credential.
  const parts = credential.replace(/\/+$/, '').split('/');
  if (parts.length !== 5) {
    throw new IncompleteSignatureException(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];

  const signedHeaders = signedHeadersRaw === '' ? [] : signedHeadersRaw.split(';').map((h) => h.toLowerCase());
  return { raw, scope: { accessKeyId, date, region, service }, terminator, signedHeaders, signature };
}

/**
 * Parses only the Authorization header (no crypto) so the edge can route by service before
 * verifying. Throws MissingAuthenticationTokenException when absent (or not an AWS4 scheme),
 * IncompleteSignatureException when malformed.
 */
export function parseAuthorization(headers: IncomingSignedRequest['headers']): {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
} {
  const p = parseAuthorizationInternal(headers);
  return { scope: p.scope, signedHeaders: p.signedHeaders, signature: p.signature };
}

const BASIC_ISO = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Epoch ms for yyyymmddTHHMMSSZ, or undefined when it is not a real instant in that format. */
function parseBasicIso(value: string): number | undefined {
  const m = BASIC_ISO.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return ms;
}

/** yyyymmddTHHMMSSZ (whole seconds, UTC). */
function formatBasicIso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60000;
  return Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(2).replace(/\.?0+$/, '');
}

/**
 * The request's timestamp: X-Amz-Date if present, else Date (ISO basic, or an HTTP date converted
 * to ISO basic for the string to sign). Returns which header it came from so we can insist it is signed.
 */
function requestDate(headers: IncomingSignedRequest['headers']): { header: string; iso: string; ms: number } {
  const amz = singleHeader(headers, 'x-amz-date');
  if (amz !== undefined) {
    const value = amz.trim();
    const ms = parseBasicIso(value);
    if (ms === undefined) throw badDate(value);
    return { header: 'x-amz-date', iso: value, ms };
  }
  const http = (singleHeader(headers, 'date') ?? '').trim();
  const isoMs = parseBasicIso(http);
  if (isoMs !== undefined) return { header: 'date', iso: http, ms: isoMs };
  // RFC 7231 IMF-fixdate, e.g. "Mon, 01 Jan 2024 00:00:00 GMT".
  if (/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(http)) {
    const ms = Date.parse(http);
    if (Number.isFinite(ms)) return { header: 'date', iso: formatBasicIso(ms), ms };
  }
  throw badDate(http);
}

function badDate(value: string): IncompleteSignatureException {
  return new IncompleteSignatureException(
    `Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  );
}

/** Constant-time string comparison (length is not secret: a signature is always 64 hex chars). */
function safeEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a); // keep the work roughly constant
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Verifies a header-signed SigV4 request; returns the caller or throws an AWS front-end error. */
export function verifySigV4(req: IncomingSignedRequest, opts: VerifyOptions): VerifiedCaller {
  const auth = parseAuthorizationInternal(req.headers);

  // Header auth and query auth must not be mixed.
  const { query } = splitTarget(req.url);
  if (query.split('&').some((p) => p.split('=')[0]?.toLowerCase() === 'x-amz-algorithm')) {
    throw new InvalidSignatureException(
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }

  // Date format, then skew.
  const date = requestDate(req.headers);
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const skewText = `${formatMinutes(maxSkewMs)} min.`;
  if (opts.nowMs - date.ms > maxSkewMs) {
    throw new InvalidSignatureException(
      `Signature expired: ${date.iso} is now earlier than ${formatBasicIso(opts.nowMs - maxSkewMs)} ` +
        `(${formatBasicIso(opts.nowMs)} - ${skewText})`,
    );
  }
  if (date.ms - opts.nowMs > maxSkewMs) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${date.iso} is still later than ${formatBasicIso(opts.nowMs + maxSkewMs)} ` +
        `(${formatBasicIso(opts.nowMs)} + ${skewText})`,
    );
  }

  // Host and the date header must be covered by the signature.
  if (!auth.signedHeaders.includes('host')) {
    throw new InvalidSignatureException("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!auth.signedHeaders.includes(date.header)) {
    const shown = date.header === 'x-amz-date' ? 'X-Amz-Date' : 'Date';
    throw new InvalidSignatureException(`'${shown}' must be a 'SignedHeader' in the AWS Authorization.`);
  }

  // Credential scope (AWS reports every scope problem in one message).
  const { scope } = auth;
  let scopeProblems = '';
  if (scope.region !== opts.region && opts.globalServices?.get(scope.service) !== scope.region) scopeProblems += 'Credential should be scoped to a valid region. ';
  if (auth.terminator !== SCOPE_TERMINATOR) {
    scopeProblems += `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${auth.terminator}'. `;
  }
  const isoDay = date.iso.slice(0, 8);
  if (scope.date !== isoDay) {
    scopeProblems +=
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
      `'${scope.date}' != '${isoDay}', from '${date.iso}'.`;
  }
  if (scopeProblems !== '') throw new InvalidSignatureException(scopeProblems);

  const headers = normaliseHeaders(req.headers);
  const sessionToken = headers.has('x-amz-security-token') ? headerCanonicalValue(headers, 'x-amz-security-token') : undefined;
  const secret = opts.lookupSecret(scope.accessKeyId, sessionToken);
  if (secret === undefined) {
    throw new UnrecognizedClientException('The security token included in the request is invalid.');
  }

  // Payload: always the hash of the bytes received. A client-supplied x-amz-content-sha256 (the JS
  // SDK signer adds one) must agree; UNSIGNED-PAYLOAD / streaming markers are not accepted here.
  const payloadHash = sha256Hex(req.body);
  if (headers.has('x-amz-content-sha256')) {
    const claimed = headerCanonicalValue(headers, 'x-amz-content-sha256');
    if (claimed !== payloadHash) {
      throw new InvalidSignatureException("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }

  const canonicalRequest = buildCanonicalRequest({
    method: req.method,
    url: req.url,
    headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
  });
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/${auth.terminator}`;
  const stringToSign = buildStringToSign(date.iso, credentialScope, canonicalRequest);
  const expected = computeSignature(signingKey(secret, scope.date, scope.region, scope.service), stringToSign);
  if (!safeEqual(expected, auth.signature)) {
    throw new InvalidSignatureException(SIGNATURE_MISMATCH);
  }

  return { accessKeyId: scope.accessKeyId, region: scope.region, service: scope.service, ...(sessionToken !== undefined ? { sessionToken } : {}) };
}

/**
 * The signing key depends only on the secret, the day, the region and the service, so it is
 * derived once per day per key rather than with four HMACs on every request.
 */
const signingKeys = new Map<string, Buffer>();
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    if (signingKeys.size >= 256) signingKeys.clear();
    key = deriveSigningKey(secret, date, region, service);
    signingKeys.set(cacheKey, key);
  }
  return key;
}
