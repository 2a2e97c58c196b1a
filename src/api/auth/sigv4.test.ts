import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../../ecs/errors.js';
import {
  buildCanonicalRequest,
  buildStringToSign,
  canonicalQueryString,
  canonicalUri,
  computeSignature,
  deriveSigningKey,
  normaliseHeaders,
  sha256Hex,
} from './canonical.js';
import { parseAuthorization, verifySigV4, type IncomingSignedRequest, type VerifyOptions } from './sigv4.js';

// ---------------------------------------------------------------------------------------------
// Helpers: sign with the real SDK signer, then hand the result to the verifier as Node would.

/** Checksum (update/digest) over node:crypto, HMAC when constructed with a secret. */
class NodeSha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret: string | Buffer | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined || typeof secret === 'string'
        ? secret
        : secret instanceof ArrayBuffer
          ? Buffer.from(secret)
          : Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(chunk: Uint8Array | string): void {
    this.hash.update(chunk);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const AKID = 'AKIDPIERTEST000001';
const SECRET = 'pier/secret+key/ExAmPlE0123456789abcdefgh';
const REGION = 'us-east-1';
const T0 = Date.UTC(2024, 0, 1, 0, 0, 0); // 20240101T000000Z
const MIN = 60_000;

const ECS_HEADERS: Record<string, string> = {
  host: '127.0.0.1:4566',
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
};

interface SignSpec {
  method?: string;
  path?: string;
  /** Query as the SDK holds it (decoded); `wireQuery` is what goes on the wire. */
  query?: Record<string, string | string[]>;
  wireQuery?: string;
  headers?: Record<string, string>;
  body?: string;
  date?: number;
  region?: string;
  service?: string;
  accessKeyId?: string;
  secret?: string;
  sessionToken?: string;
  applyChecksum?: boolean;
  unsignableHeaders?: Set<string>;
}

/** The SDK's escapeUri (encodeURIComponent + !'()*), written out independently of canonical.ts. */
function sdkEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function wireQueryOf(query: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${sdkEscape(k)}=${sdkEscape(one)}`);
  }
  return parts.join('&');
}

async function sign(spec: SignSpec = {}): Promise<IncomingSignedRequest> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: spec.accessKeyId ?? AKID,
      secretAccessKey: spec.secret ?? SECRET,
      ...(spec.sessionToken !== undefined ? { sessionToken: spec.sessionToken } : {}),
    },
    region: spec.region ?? REGION,
    service: spec.service ?? 'ecs',
    sha256: NodeSha256,
    applyChecksum: spec.applyChecksum ?? true,
  });
  const path = spec.path ?? '/';
  const body = spec.body ?? '{}';
  const signed = await signer.sign(
    {
      method: spec.method ?? 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4566,
      path,
      query: spec.query ?? {},
      headers: { ...(spec.headers ?? ECS_HEADERS) },
      body,
    },
    {
      signingDate: new Date(spec.date ?? T0),
      ...(spec.unsignableHeaders ? { unsignableHeaders: spec.unsignableHeaders } : {}),
    },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  const wire = spec.wireQuery ?? (spec.query ? wireQueryOf(spec.query) : '');
  return {
    method: signed.method,
    url: wire === '' ? path : `${path}?${wire}`,
    headers,
    body: Buffer.from(body, 'utf8'),
  };
}

function opts(over: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    nowMs: T0,
    region: REGION,
    lookupSecret: (id) => (id === AKID ? SECRET : undefined),
    ...over,
  };
}

function auth(req: IncomingSignedRequest): string {
  const a = req.headers['authorization'];
  assert.equal(typeof a, 'string');
  return a as string;
}

function withAuth(req: IncomingSignedRequest, value: string | undefined): IncomingSignedRequest {
  return { ...req, headers: { ...req.headers, authorization: value } };
}

function throwsAws(fn: () => unknown, cls: new (...args: never[]) => Error, message?: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

// ---------------------------------------------------------------------------------------------

describe('AWS documentation example (IAM ListUsers, pins canonicalisation without the SDK)', () => {
  const req: IncomingSignedRequest = {
    method: 'GET',
    url: '/?Action=ListUsers&Version=2010-05-08',
    headers: {
      host: 'iam.amazonaws.com',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    },
    body: Buffer.alloc(0),
  };
  const docOpts: VerifyOptions = {
    nowMs: Date.UTC(2015, 7, 30, 12, 36, 0),
    region: 'us-east-1',
    lookupSecret: (id) => (id === 'AKIDEXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' : undefined),
  };

  test('canonical request and its hash match the documented values', () => {
    const cr = buildCanonicalRequest({
      method: 'GET',
      url: req.url,
      headers: normaliseHeaders(req.headers),
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      payloadHash: sha256Hex(''),
    });
    assert.equal(
      cr,
      'GET\n/\nAction=ListUsers&Version=2010-05-08\n' +
        'content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n' +
        'content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.equal(sha256Hex(cr), 'f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
    const sts = buildStringToSign('20150830T123600Z', '20150830/us-east-1/iam/aws4_request', cr);
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam');
    assert.equal(computeSignature(key, sts), '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });

  test('verifySigV4 accepts it', () => {
    assert.deepEqual(verifySigV4(req, docOpts), { accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'iam' });
  });

  test('one flipped signature digit is rejected', () => {
    const bad = withAuth(req, auth(req).replace(/d7$/, 'd8'));
    throwsAws(() => verifySigV4(bad, docOpts), InvalidSignatureException, MISMATCH);
  });
});

describe('canonicalisation helpers', () => {
  test('canonical URI normalises like the SDKs and double-encodes', () => {
    assert.equal(canonicalUri('/'), '/');
    assert.equal(canonicalUri(''), '/');
    assert.equal(canonicalUri('//a//b/'), '/a/b/');
    assert.equal(canonicalUri('/a/./b/../c'), '/a/c');
    assert.equal(canonicalUri('/../..'), '/');
    assert.equal(canonicalUri('/foo%20bar/x%2Fy'), '/foo%2520bar/x%252Fy');
    assert.equal(canonicalUri("/a!b*c'(d)~e"), '/a%21b%2Ac%27%28d%29~e');
  });

  test('canonical query: sorted by name then value, RFC 3986 encoding, sloppy input normalised', () => {
    assert.equal(canonicalQueryString(''), '');
    assert.equal(canonicalQueryString('b=2&a=3&a=1&c'), 'a=1&a=3&b=2&c=');
    assert.equal(canonicalQueryString('x=a+b&y=%7e%2a!&z=%zz'), 'x=a%2Bb&y=~%2A%21&z=%25zz');
    assert.equal(canonicalQueryString('k=%C3%A9&X-Amz-Signature=abc'), 'k=%C3%A9');
  });
});

describe('valid requests signed by @smithy/signature-v4', () => {
  test('plain ECS ListClusters', async () => {
    const req = await sign();
    assert.deepEqual(verifySigV4(req, opts()), { accessKeyId: AKID, region: REGION, service: 'ecs' });
    const parsed = parseAuthorization(req.headers);
    assert.deepEqual(parsed.scope, { accessKeyId: AKID, date: '20240101', region: REGION, service: 'ecs' });
    assert.deepEqual(parsed.signedHeaders, ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-target']);
    assert.match(parsed.signature, /^[0-9a-f]{64}$/);
  });

  test('without x-amz-content-sha256 (botocore style)', async () => {
    const req = await sign({ applyChecksum: false });
    assert.equal(req.headers['x-amz-content-sha256'], undefined);
    assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
  });

  test('several header sets, incl. unsignable headers present on the wire and mixed-case input names', async () => {
    const sets: Array<Record<string, string>> = [
      {
        ...ECS_HEADERS,
        'amz-sdk-invocation-id': '6f1c7a4e-0000-4000-8000-000000000000',
        'amz-sdk-request': 'attempt=1; max=3',
        'content-length': '2',
      },
      { ...ECS_HEADERS, 'user-agent': 'aws-cli/2.15.0 Python/3.11', 'x-amzn-trace-id': 'Root=1-abc' },
      { Host: '127.0.0.1:4566', 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Logs_20140328.PutLogEvents' },
      { host: 'localhost' },
    ];
    for (const headers of sets) {
      const req = await sign({ headers });
      assert.equal(verifySigV4(req, opts()).service, 'ecs');
    }
  });

  test('query string with odd characters, repeated keys and an odd path', async () => {
    const query = {
      b: 'x y',
      a: ['2', '1', '10'],
      "we!rd*('key)": "~é/?&=+%",
      empty: '',
      'Ünïcödé': '日本語 😀',
    };
    const req = await sign({ method: 'GET', path: '/foo/bar%20baz/./qux/../quux/', query, body: '' });
    assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
  });

  test('query sent with a different but equivalent percent-encoding still verifies', async () => {
    const req = await sign({
      method: 'GET',
      query: { 'a!': 'x*y', b: '~' },
      wireQuery: 'b=%7e&a!=x%2ay',
      body: '',
    });
    assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
  });

  test('session token header is signed and accepted', async () => {
    const req = await sign({ sessionToken: 'FwoGZXIvYXdzEXAMPLE//token+with/odd=chars' });
    assert.equal(req.headers['x-amz-security-token'], 'FwoGZXIvYXdzEXAMPLE//token+with/odd=chars');
    assert.ok(parseAuthorization(req.headers).signedHeaders.includes('x-amz-security-token'));
    assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
  });

  test('multi-value header (two lines on the wire) and whitespace runs', async () => {
    const req = await sign({ headers: { ...ECS_HEADERS, 'x-multi': 'a,b', 'x-spaces': '  one   two \t three  ' } });
    const asLines = { ...req, headers: { ...req.headers, 'x-multi': ['a', ' b '] } };
    assert.equal(verifySigV4(asLines, opts()).accessKeyId, AKID);
    assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
  });

  test('Date header instead of X-Amz-Date (HTTP date converted to ISO basic)', () => {
    const headers = { host: 'example.test', date: 'Mon, 01 Jan 2024 00:00:00 GMT' };
    const cr = buildCanonicalRequest({
      method: 'POST',
      url: '/',
      headers: normaliseHeaders(headers),
      signedHeaders: ['date', 'host'],
      payloadHash: sha256Hex('{}'),
    });
    const sts = buildStringToSign('20240101T000000Z', `20240101/${REGION}/ecs/aws4_request`, cr);
    const sig = computeSignature(deriveSigningKey(SECRET, '20240101', REGION, 'ecs'), sts);
    const req: IncomingSignedRequest = {
      method: 'POST',
      url: '/',
      headers: {
        ...headers,
        authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20240101/${REGION}/ecs/aws4_request, SignedHeaders=date;host, Signature=${sig}`,
      },
      body: Buffer.from('{}'),
    };
    assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
  });

  test('property: random query strings, paths and header values signed by the SDK verify', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const headerText = fc.string({ unit: fc.constantFrom(...' \tabcXYZ019,;:=/+-_.~!*()'.split('')), maxLength: 20 });
    const segment = fc.string({ unit: fc.constantFrom(...'abc.-_~%20'.split('')), minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(
        // fast-check can generate a real "__proto__" own key; the SDK's query handling treats it as the prototype, so leave it out.
        fc.dictionary(text.filter((k) => k !== '__proto__'), fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), { maxKeys: 5 }),
        fc.array(segment, { maxLength: 4 }),
        headerText,
        fc.string({ maxLength: 40 }),
        async (query, segments, headerValue, body) => {
          const path = '/' + segments.join('/');
          // The header must survive Node's header validation: printable, no leading/trailing tab issue.
          const req = await sign({ path, query, body, headers: { ...ECS_HEADERS, 'x-fuzz': headerValue } });
          assert.equal(verifySigV4(req, opts()).accessKeyId, AKID);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('missing and malformed Authorization', () => {
  test('absent header -> MissingAuthenticationTokenException (403)', async () => {
    const req = withAuth(await sign(), undefined);
    throwsAws(() => verifySigV4(req, opts()), MissingAuthenticationTokenException, 'Missing Authentication Token');
    throwsAws(() => parseAuthorization(req.headers), MissingAuthenticationTokenException);
    try {
      parseAuthorization(req.headers);
    } catch (err) {
      assert.ok(err instanceof MissingAuthenticationTokenException);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'MissingAuthenticationTokenException');
    }
  });

  test('empty or non-AWS4 schemes carry no SigV4 token', async () => {
    const req = await sign();
    for (const value of ['', '   ', 'Bearer abc.def.ghi', 'AWS AKID:c2lnbmF0dXJl', 'Basic dXNlcjpwYXNz']) {
      throwsAws(() => verifySigV4(withAuth(req, value), opts()), MissingAuthenticationTokenException);
    }
  });

  test('missing Signature', async () => {
    const req = await sign();
    const value = auth(req).replace(/, Signature=[0-9a-f]+$/, '');
    throwsAws(
      () => parseAuthorization(withAuth(req, value).headers),
      IncompleteSignatureException,
      `Authorization header requires 'Signature' parameter. Authorization=${value}`,
    );
  });

  test('missing Credential / SignedHeaders / date header, combined in one message', async () => {
    const req = await sign();
    const value = 'AWS4-HMAC-SHA256 Signature=' + 'a'.repeat(64);
    const bare = { ...withAuth(req, value).headers, 'x-amz-date': undefined };
    throwsAws(
      () => parseAuthorization(bare),
      IncompleteSignatureException,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `Authorization=${value}`,
    );
    const noDate = { ...req, headers: { ...req.headers, 'x-amz-date': undefined } };
    throwsAws(
      () => verifySigV4(noDate, opts()),
      IncompleteSignatureException,
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth(req)}`,
    );
  });

  test('empty Credential or Signature counts as missing; empty SignedHeaders parses but fails the Host rule', async () => {
    const req = await sign();
    throwsAws(
      () => parseAuthorization(withAuth(req, auth(req).replace(/Signature=[0-9a-f]+/, 'Signature=')).headers),
      IncompleteSignatureException,
      /^Authorization header requires 'Signature' parameter\. /,
    );
    throwsAws(
      () => parseAuthorization(withAuth(req, auth(req).replace(/Credential=[^,]+/, 'Credential=')).headers),
      IncompleteSignatureException,
      /^Authorization header requires 'Credential' parameter\. /,
    );
    const emptySigned = withAuth(req, auth(req).replace(/SignedHeaders=[^,]+/, 'SignedHeaders='));
    assert.deepEqual(parseAuthorization(emptySigned.headers).signedHeaders, []);
    throwsAws(() => verifySigV4(emptySigned, opts()), InvalidSignatureException, /'Host' or ':authority'/);
  });

  test('token without an equals sign', async () => {
    const req = await sign();
    const value = auth(req).replace(`Credential=${AKID}/`, `Credential= ${AKID}/`);
    throwsAws(
      () => verifySigV4(withAuth(req, value), opts()),
      IncompleteSignatureException,
      `'${AKID}/20240101/us-east-1/ecs/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${value}'.`,
    );
  });

  test('a different algorithm', async () => {
    const req = await sign();
    const value = auth(req).replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512');
    throwsAws(
      () => parseAuthorization(withAuth(req, value).headers),
      IncompleteSignatureException,
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    );
  });

  test('credential without five elements', async () => {
    const req = await sign();
    const value = auth(req).replace('/ecs/aws4_request', '/aws4_request');
    throwsAws(
      () => parseAuthorization(withAuth(req, value).headers),
      IncompleteSignatureException,
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${AKID}/20240101/us-east-1/aws4_request'`,
    );
    // Trailing slashes are ignored, as AWS does.
    const trailing = withAuth(req, auth(req).replace('/aws4_request,', '/aws4_request//,'));
    assert.equal(parseAuthorization(trailing.headers).scope.service, 'ecs');
    assert.equal(verifySigV4(trailing, opts()).accessKeyId, AKID);
  });

  test('bad scope terminator', async () => {
    const req = await sign();
    const value = auth(req).replace('/aws4_request', '/aws5_request');
    throwsAws(
      () => verifySigV4(withAuth(req, value), opts()),
      InvalidSignatureException,
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
  });

  test('X-Amz-Date not in ISO-8601 basic format', async () => {
    const req = await sign();
    for (const bad of ['2024-01-01T00:00:00Z', '20240101T000000', '20241301T000000Z', '201']) {
      const r = { ...req, headers: { ...req.headers, 'x-amz-date': bad } };
      throwsAws(
        () => verifySigV4(r, opts()),
        IncompleteSignatureException,
        `Date must be in ISO-8601 'basic format'. Got '${bad}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
  });

  test('header and query authentication mixed', async () => {
    const req = await sign({ method: 'GET', query: { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' }, body: '' });
    throwsAws(() => verifySigV4(req, opts()), InvalidSignatureException, /^Found both 'X-Amz-Algorithm'/);
  });
});

describe('rejections after parsing', () => {
  test('unknown access key -> UnrecognizedClientException (403)', async () => {
    const req = await sign({ accessKeyId: 'AKIDUNKNOWN' });
    throwsAws(
      () => verifySigV4(req, opts()),
      UnrecognizedClientException,
      'The security token included in the request is invalid.',
    );
  });

  test('wrong secret', async () => {
    const req = await sign({ secret: 'not-the-secret' });
    throwsAws(() => verifySigV4(req, opts()), InvalidSignatureException, MISMATCH);
  });

  test('tampered body: caught by x-amz-content-sha256 when present, by the signature otherwise', async () => {
    const withHash = await sign({ body: '{"maxResults":1}' });
    throwsAws(
      () => verifySigV4({ ...withHash, body: Buffer.from('{"maxResults":2}') }, opts()),
      InvalidSignatureException,
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    const noHash = await sign({ body: '{"maxResults":1}', applyChecksum: false });
    throwsAws(() => verifySigV4({ ...noHash, body: Buffer.from('{"maxResults":2}') }, opts()), InvalidSignatureException, MISMATCH);
  });

  test('x-amz-content-sha256 of UNSIGNED-PAYLOAD is refused', async () => {
    const req = await sign({ headers: { ...ECS_HEADERS, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    throwsAws(() => verifySigV4(req, opts()), InvalidSignatureException, /x-amz-content-sha256/);
  });

  test('tampered signed header, path, query, method', async () => {
    const req = await sign();
    const target = { ...req, headers: { ...req.headers, 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DeleteCluster' } };
    throwsAws(() => verifySigV4(target, opts()), InvalidSignatureException, MISMATCH);
    throwsAws(() => verifySigV4({ ...req, url: '/other' }, opts()), InvalidSignatureException, MISMATCH);
    throwsAws(() => verifySigV4({ ...req, url: '/?x=1' }, opts()), InvalidSignatureException, MISMATCH);
    throwsAws(() => verifySigV4({ ...req, method: 'PUT' }, opts()), InvalidSignatureException, MISMATCH);
    // A signed header dropped in transit.
    const dropped = { ...req, headers: { ...req.headers, 'content-type': undefined } };
    throwsAws(() => verifySigV4(dropped, opts()), InvalidSignatureException, MISMATCH);
    // An unsigned header added in transit is fine.
    const added = { ...req, headers: { ...req.headers, 'x-extra': 'whatever' } };
    assert.equal(verifySigV4(added, opts()).accessKeyId, AKID);
  });

  test('malformed or differently-cased signature value', async () => {
    const req = await sign();
    const sig = parseAuthorization(req.headers).signature;
    for (const bad of [sig.slice(0, 63), sig + '0', sig.toUpperCase(), 'zz'.repeat(32)]) {
      const r = withAuth(req, auth(req).replace(sig, bad));
      throwsAws(() => verifySigV4(r, opts()), InvalidSignatureException, MISMATCH);
    }
  });

  test('host not signed', async () => {
    const req = await sign({ unsignableHeaders: new Set(['host']) });
    assert.ok(!parseAuthorization(req.headers).signedHeaders.includes('host'));
    throwsAws(
      () => verifySigV4(req, opts()),
      InvalidSignatureException,
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  test('x-amz-date not signed', async () => {
    const req = await sign({ unsignableHeaders: new Set(['x-amz-date']) });
    throwsAws(
      () => verifySigV4(req, opts()),
      InvalidSignatureException,
      "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  test('clock skew: just inside and just outside 15 minutes, both sides', async () => {
    const req = await sign({ date: T0 });
    assert.equal(verifySigV4(req, opts({ nowMs: T0 + 15 * MIN })).accessKeyId, AKID);
    assert.equal(verifySigV4(req, opts({ nowMs: T0 - 15 * MIN })).accessKeyId, AKID);
    throwsAws(() => verifySigV4(req, opts({ nowMs: T0 + 15 * MIN + 1 })), InvalidSignatureException, /^Signature expired: /);
    throwsAws(
      () => verifySigV4(req, opts({ nowMs: T0 + 20 * MIN })),
      InvalidSignatureException,
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T002000Z - 15 min.)',
    );
    throwsAws(
      () => verifySigV4(req, opts({ nowMs: T0 - 15 * MIN - 1000 })),
      InvalidSignatureException,
      'Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z (20231231T234459Z + 15 min.)',
    );
    throwsAws(
      () => verifySigV4(req, opts({ nowMs: T0 - 20 * MIN })),
      InvalidSignatureException,
      'Signature not yet current: 20240101T000000Z is still later than 20231231T235500Z (20231231T234000Z + 15 min.)',
    );
  });

  test('custom maxSkewMs', async () => {
    const req = await sign({ date: T0 });
    assert.equal(verifySigV4(req, opts({ nowMs: T0 + 5 * MIN, maxSkewMs: 5 * MIN })).accessKeyId, AKID);
    throwsAws(
      () => verifySigV4(req, opts({ nowMs: T0 + 6 * MIN, maxSkewMs: 5 * MIN })),
      InvalidSignatureException,
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000100Z (20240101T000600Z - 5 min.)',
    );
  });

  test('credential scoped to another region', async () => {
    const req = await sign({ region: 'eu-west-1' });
    throwsAws(() => verifySigV4(req, opts()), InvalidSignatureException, 'Credential should be scoped to a valid region. ');
  });

  test('scope date differs from X-Amz-Date', async () => {
    const req = await sign({ date: Date.UTC(2024, 0, 2) });
    const value = auth(req).replace('/20240102/', '/20240101/');
    throwsAws(
      () => verifySigV4(withAuth(req, value), opts({ nowMs: Date.UTC(2024, 0, 2) })),
      InvalidSignatureException,
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240101' != '20240102', from '20240102T000000Z'.",
    );
  });

  test('several scope problems are reported together', async () => {
    const req = await sign({ region: 'eu-west-1' });
    const value = auth(req).replace('/20240101/', '/20231231/').replace('/aws4_request', '/aws_request');
    throwsAws(
      () => verifySigV4(withAuth(req, value), opts()),
      InvalidSignatureException,
      "Credential should be scoped to a valid region. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws_request'. " +
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20231231' != '20240101', from '20240101T000000Z'.",
    );
  });

  test('error classes carry the documented statuses', () => {
    assert.equal(new IncompleteSignatureException('x').status, 400);
    assert.equal(new InvalidSignatureException('x').status, 403);
    assert.equal(new UnrecognizedClientException('x').status, 403);
  });
});
