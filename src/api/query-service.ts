/**
 * A service spoken in the AWS Query protocol: a form-encoded POST whose `Action` picks the
 * operation, members decoded and checked against the botocore model (query/decode.ts), XML results
 * and errors (query/encode.ts). Two flavours, chosen by the model's `metadata.protocol`:
 * `ec2` (EC2: its parameter names, `<Response><Errors>` envelope, DryRun) and `query` (IAM, STS:
 * `Name.member.N` lists, `<XxxResult>` wrapping, `<ErrorResponse>` envelope).
 * This module writes its own responses, errors included, because its error shape is XML.
 */
import type { ServerResponse } from 'node:http';
import { AwsError } from '../ecs/errors.js';
import { Ec2Error, Ec2ErrorCode } from '../ec2/errors.js';
import type { Logger } from '../lib/logger.js';
import type { CallContext } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';
import { decodeInput, formParams } from './query/decode.js';
import { encodeError, encodeErrorResponse, encodeResponse } from './query/encode.js';
import { QueryError, QueryErrorCode } from './query/errors.js';

export type QueryOperation = (input: Record<string, unknown>, ctx: CallContext) => Promise<Record<string, unknown> | undefined>;

export interface QueryService {
  /** Credential-scope service name (SigV4 signing name). */
  readonly signingName: string;
  /** Its `metadata.protocol` (`ec2` or `query`) picks the flavour. */
  readonly model: ServiceModel;
  /** `http://ec2.amazonaws.com/doc/2016-11-15/`, `https://iam.amazonaws.com/doc/2010-05-08/` */
  readonly xmlNamespace: string;
  readonly operations: ReadonlyMap<string, QueryOperation>;
}

const TEXT_XML = 'text/xml;charset=UTF-8';

const isEc2 = (service: QueryService | undefined): boolean => service === undefined || service.model.protocol === 'ec2';

export async function handleQuery(
  service: QueryService, url: URL, body: Buffer, ctx: CallContext, res: ServerResponse, log: Logger,
): Promise<void> {
  try {
    const result = await dispatchQuery(service, url, body, ctx);
    send(res, ctx.requestId, 200, encodeResponse(service.model, result.operation, service.xmlNamespace, ctx.requestId, result.output));
  } catch (err) {
    if (err instanceof AwsError) {
      sendQueryError(res, ctx.requestId, err, service);
    } else {
      log.error('internal error', { requestId: ctx.requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
      const internal = isEc2(service)
        ? new Ec2InternalError()
        : new QueryError(QueryErrorCode.InternalFailure, 'The request processing has failed because of an unknown error, exception or failure.');
      sendQueryError(res, ctx.requestId, internal, service);
    }
  }
}

/** EC2 answers `InternalError` with this wording. */
class Ec2InternalError extends AwsError {
  readonly code = 'InternalError';
  override readonly status = 500;
  override readonly fault = 'server';
  constructor() {
    super('An internal error has occurred');
  }
}

/**
 * An error in the service's envelope. The edge also uses it when a request for a Query service fails
 * its signature check; without `service` it answers in EC2's envelope.
 */
export function sendQueryError(res: ServerResponse, requestId: string, err: AwsError, service?: QueryService): void {
  const text = isEc2(service)
    ? encodeError(err.code, err.message, requestId)
    : encodeErrorResponse(service!.xmlNamespace, err.fault, err.code, err.message, requestId);
  send(res, requestId, err.status, text);
}

function unknownAction(service: QueryService, action: string | undefined): AwsError {
  const served = ` Pier serves: ${[...service.operations.keys()].sort().join(', ')}.`;
  if (isEc2(service)) {
    return new Ec2Error(Ec2ErrorCode.InvalidAction,
      action ? `The action ${action} is not valid for this web service.${served}` : 'The request must contain the parameter Action.');
  }
  if (!action) return new QueryError(QueryErrorCode.MissingAction, 'The request must contain the parameter Action.');
  return new QueryError(QueryErrorCode.InvalidAction, `Could not find operation ${action} for version ${service.model.apiVersion ?? ''}.${served}`);
}

async function dispatchQuery(
  service: QueryService, url: URL, body: Buffer, ctx: CallContext,
): Promise<{ operation: string; output: Record<string, unknown> | undefined }> {
  const params = formParams(body, url);
  const action = params.get('Action');
  const operation = action === undefined ? undefined : service.operations.get(action);
  if (!action || !operation || !service.model.hasOperation(action)) throw unknownAction(service, action);
  const input = decodeInput(service.model, action, params);
  if (isEc2(service) && input['DryRun'] === true) {
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
