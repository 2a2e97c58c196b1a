/**
 * A service spoken in the AWS Query protocol, `ec2` flavour (EC2): a form-encoded POST whose
 * `Action` picks the operation, members decoded and checked against the botocore model
 * (query/decode.ts), XML results and EC2's `<Response><Errors>` envelope (query/encode.ts).
 * This module writes its own responses, errors included, because its error shape is XML.
 */
import type { ServerResponse } from 'node:http';
import { AwsError } from '../ecs/errors.js';
import { Ec2Error, Ec2ErrorCode } from '../ec2/errors.js';
import type { Logger } from '../lib/logger.js';
import type { CallContext } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';
import { decodeInput, formParams } from './query/decode.js';
import { encodeError, encodeResponse } from './query/encode.js';

export type QueryOperation = (input: Record<string, unknown>, ctx: CallContext) => Promise<Record<string, unknown> | undefined>;

export interface QueryService {
  /** Credential-scope service name (SigV4 signing name). */
  readonly signingName: string;
  readonly model: ServiceModel;
  /** `http://ec2.amazonaws.com/doc/2016-11-15/` */
  readonly xmlNamespace: string;
  readonly operations: ReadonlyMap<string, QueryOperation>;
}

const TEXT_XML = 'text/xml;charset=UTF-8';

export async function handleQuery(
  service: QueryService, url: URL, body: Buffer, ctx: CallContext, res: ServerResponse, log: Logger,
): Promise<void> {
  try {
    const result = await dispatchQuery(service, url, body, ctx);
    send(res, ctx.requestId, 200, encodeResponse(service.model, result.operation, service.xmlNamespace, ctx.requestId, result.output));
  } catch (err) {
    if (err instanceof AwsError) {
      sendQueryError(res, ctx.requestId, err);
    } else {
      log.error('internal error', { requestId: ctx.requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
      send(res, ctx.requestId, 500, encodeError('InternalError', 'An internal error has occurred', ctx.requestId));
    }
  }
}

/** An error in EC2's envelope; the edge also uses it when a request for a Query service fails its signature check. */
export function sendQueryError(res: ServerResponse, requestId: string, err: AwsError): void {
  send(res, requestId, err.status, encodeError(err.code, err.message, requestId));
}

async function dispatchQuery(
  service: QueryService, url: URL, body: Buffer, ctx: CallContext,
): Promise<{ operation: string; output: Record<string, unknown> | undefined }> {
  const params = formParams(body, url);
  const action = params.get('Action');
  if (!action) throw new Ec2Error(Ec2ErrorCode.InvalidAction, 'The request must contain the parameter Action.');
  const operation = service.operations.get(action);
  if (!operation || !service.model.hasOperation(action)) {
    throw new Ec2Error(Ec2ErrorCode.InvalidAction, `The action ${action} is not valid for this web service.`
      + ` Pier serves: ${[...service.operations.keys()].sort().join(', ')}.`);
  }
  const input = decodeInput(service.model, action, params);
  if (input['DryRun'] === true) {
    throw new Ec2Error(Ec2ErrorCode.DryRunOperation, 'Request would have succeeded, but DryRun flag is set.');
  }
  return { operation: action, output: await operation(input, ctx) };
}

function send(res: ServerResponse, requestId: string, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': TEXT_XML,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}
