/** Client side of SigV4 (header form), for Pier's own tools: the pier CLI, benchmarks and tests. */
import {
  buildCanonicalRequest, buildStringToSign, computeSignature, deriveSigningKey, normaliseHeaders, SCOPE_TERMINATOR,
  SIGV4_ALGORITHM, sha256Hex,
} from './canonical.js';

export interface SigningCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface RequestToSign {
  method: string;
  /** "host:port" as the client will send it. */
  host: string;
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Returns the headers to send: the given ones plus host, x-amz-date and authorization. */
export function signRequest(req: RequestToSign, creds: SigningCredentials, region: string, service: string, nowMs: number): Record<string, string> {
  const amzDate = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...lower(req.headers), host: req.host, 'x-amz-date': amzDate };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const signedHeaders = Object.keys(headers).sort();
  const canonical = buildCanonicalRequest({
    method: req.method, url: req.url, headers: normaliseHeaders(headers), signedHeaders, payloadHash: sha256Hex(req.body),
  });
  const scope = `${date}/${region}/${service}/${SCOPE_TERMINATOR}`;
  const signature = computeSignature(deriveSigningKey(creds.secretAccessKey, date, region, service), buildStringToSign(amzDate, scope, canonical));
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return headers;
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
