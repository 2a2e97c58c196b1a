/**
 * AWS JSON 1.1 framing: the one place errors become bytes. Client faults are 4xx with
 * `x-amzn-ErrorType` and `{"__type", "message"}`; anything that is not an AwsError is a bug and
 * becomes ServerException("Internal error") with the cause logged, never shown to the caller.
 */
import type { ServerResponse } from 'node:http';
import { AwsError, ServerException } from '../ecs/errors.js';
import type { Logger } from '../lib/logger.js';

export const JSON_11 = 'application/x-amz-json-1.1';

/** A reply that is JSON text already (e.g. stored documents spliced together): sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

export function sendJson(res: ServerResponse, requestId: string, status: number, body: unknown, contentType = JSON_11): void {
  const text = body instanceof JsonText ? body.text : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

export function toAwsError(err: unknown, log: Logger, requestId: string): AwsError {
  if (err instanceof AwsError) return err;
  log.error('internal error', { requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  return new ServerException('Internal error');
}

export function sendError(res: ServerResponse, requestId: string, err: AwsError, contentType = JSON_11): void {
  const body = { __type: err.code, message: err.message, ...err.extraMembers() };
  const text = JSON.stringify(body);
  res.writeHead(err.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': err.code,
  });
  res.end(text);
}

/** rest-json services (EFS) put the code in ErrorCode/x-amzn-ErrorType and the text in Message. */
export function sendRestJsonError(res: ServerResponse, requestId: string, err: AwsError): void {
  const text = JSON.stringify({ ErrorCode: err.code, Message: err.message, ...err.extraMembers() });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': err.code,
  });
  res.end(text);
}
