/**
 * A service that frames its own requests and replies, in whichever of its protocols a request
 * uses (CloudWatch: Smithy RPC v2 CBOR, AWS JSON 1.0 and Query, told apart by the request's shape).
 * The edge verifies the signature and hands it the request; the service answers it, errors
 * included. An error raised before the service is reached (authentication) is answered through
 * `sendError`, in the protocol the request used.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsError } from '../ecs/errors.js';
import type { Logger } from '../lib/logger.js';
import type { CallContext } from './json-service.js';

export interface FramedService {
  /** Credential-scope service name (SigV4 signing name). */
  readonly signingName: string;
  /** The operations it serves. */
  readonly operations: readonly string[];
  handle(req: IncomingMessage, url: URL, body: Buffer, ctx: CallContext, res: ServerResponse, log: Logger): Promise<void>;
  sendError(req: IncomingMessage, url: URL, res: ServerResponse, requestId: string, err: AwsError): void;
}

export type WireProtocol = 'rpc-v2-cbor' | 'json' | 'query';

/**
 * Which protocol a request speaks: Smithy RPC v2 CBOR posts to `/service/<Service>/operation/<Op>`
 * (with `smithy-protocol: rpc-v2-cbor`), AWS JSON names the operation in X-Amz-Target, and Query
 * sends `Action=<Op>` in a form body or the URL.
 */
export function protocolOf(req: IncomingMessage, url: URL): WireProtocol {
  if (url.pathname.startsWith('/service/') || req.headers['smithy-protocol'] === 'rpc-v2-cbor') return 'rpc-v2-cbor';
  if (req.headers['x-amz-target'] !== undefined) return 'json';
  return 'query';
}

/** Operations framed services have read from requests (a compressed Query body hides its Action from operationOf). */
export const servedOperation = new WeakMap<IncomingMessage, string>();

/** The operation a request names, by its protocol (for request metrics; undefined when it names none). */
export function operationOf(req: IncomingMessage, url: URL, body: Buffer, inflated = false): string | undefined {
  const served = servedOperation.get(req);
  if (served !== undefined) return served;
  switch (protocolOf(req, url)) {
    case 'rpc-v2-cbor':
      return /^\/service\/[^/]+\/operation\/([^/]+)$/.exec(url.pathname)?.[1];
    case 'json': {
      const target = req.headers['x-amz-target'];
      return typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : undefined;
    }
    default: {
      const inUrl = url.searchParams.get('Action');
      if (inUrl) return inUrl;
      const type = req.headers['content-type'] ?? '';
      if (!type.includes('x-www-form-urlencoded') || (req.headers['content-encoding'] !== undefined && !inflated)) return undefined;
      return new URLSearchParams(body.subarray(0, 4096).toString('utf8')).get('Action') ?? undefined;
    }
  }
}
