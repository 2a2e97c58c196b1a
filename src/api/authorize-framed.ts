/**
 * Authorisation for services that frame their own requests (CloudWatch: CBOR, JSON 1.0 and Query
 * on one signing name). The edge cannot reach inside their dispatch, so it reads the operation and
 * the few members authorisation needs (alarm names) from the request itself, in whichever protocol
 * it came, and answers a denial through the service's own error framing.
 */
import { gunzipSync } from 'node:zlib';
import type { IncomingMessage } from 'node:http';
import { AwsError } from '../ecs/errors.js';
import { decodeCbor } from './cbor/codec.js';
import type { Authorizer, RequestFacts } from './authorize.js';
import { operationOf, protocolOf, type FramedService } from './framed-service.js';
import type { CallContext } from './json-service.js';

const MAX_INFLATED_BYTES = 1024 * 1024;

function inflated(req: IncomingMessage, body: Buffer): Buffer | undefined {
  if (req.headers['content-encoding'] !== 'gzip') return body;
  try {
    return gunzipSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch {
    return undefined;
  }
}

/** Query members as an object: `AlarmNames.member.2=x` becomes `AlarmNames: [.., x]`. */
function queryInput(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of params) {
    const m = /^([^.]+)\.member\.(\d+)$/.exec(k);
    if (m) ((out[m[1]!] ??= []) as string[])[Number(m[2]) - 1] = v;
    else if (!k.includes('.')) out[k] = v;
  }
  return out;
}

/** The call's decoded input, as far as authorisation needs it; empty when the body cannot be read (the service refuses it). */
export function framedInput(req: IncomingMessage, url: URL, raw: Buffer): Record<string, unknown> {
  const body = inflated(req, raw);
  if (!body || body.length === 0) return queryInput(url.searchParams);
  try {
    switch (protocolOf(req, url)) {
      case 'rpc-v2-cbor': return (decodeCbor(body) ?? {}) as Record<string, unknown>;
      case 'json': return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      default: return queryInput(new URLSearchParams(`${url.searchParams.toString()}&${body.toString('utf8')}`));
    }
  } catch {
    return {};
  }
}

export function guardFramed(authorizer: Authorizer, s: FramedService): FramedService {
  return {
    ...s,
    handle: async (req, url, body, ctx: CallContext, res, log) => {
      if (ctx.principal.kind !== 'root') {
        const operation = operationOf(req, url, inflated(req, body) ?? body, true);
        // An operation the service does not serve is left to it to refuse.
        if (operation !== undefined && s.operations.includes(operation)) {
          try {
            await authorizer.authorize(ctx as CallContext & RequestFacts, s.signingName, operation, framedInput(req, url, body));
          } catch (err) {
            if (!(err instanceof AwsError)) throw err;
            s.sendError(req, url, res, ctx.requestId, err);
            return;
          }
        }
      }
      await s.handle(req, url, body, ctx, res, log);
    },
  };
}
