/**
 * A service spoken in AWS rest-json (EFS): the method and path select the operation, members
 * come from the path, the query string and the JSON body, and the result is checked like any
 * JSON request against the service model.
 */
import { SerializationException, UnknownOperationException, type AwsError } from '../ecs/errors.js';
import type { CallContext } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';
import { validateInput } from './model/validate-input.js';

export interface RestRoute {
  readonly method: string;
  /** Path pattern with named groups for uri members, e.g. ^/2015-02-01/file-systems/(?<FileSystemId>[^/]+)$ */
  readonly path: RegExp;
  readonly operation: string;
  readonly successStatus: number;
  /** Query-string members that are numbers in the model. */
  readonly numericQuery?: readonly string[];
  readonly handler: (input: Record<string, unknown>, ctx: CallContext) => Promise<unknown>;
}

export interface RestService {
  readonly signingName: string;
  readonly model: ServiceModel;
  readonly routes: readonly RestRoute[];
  readonly constraintError: (message: string) => AwsError;
}

export async function dispatchRest(
  service: RestService, method: string, url: URL, body: Buffer, ctx: CallContext,
): Promise<{ status: number; body: unknown }> {
  const pathname = decodeURIComponent(url.pathname);
  for (const route of service.routes) {
    if (route.method !== method) continue;
    const m = route.path.exec(pathname);
    if (!m) continue;
    const input: Record<string, unknown> = { ...parseBody(body) };
    for (const [k, v] of url.searchParams) input[k] = route.numericQuery?.includes(k) ? toNumber(k, v, service) : v;
    for (const [k, v] of Object.entries(m.groups ?? {})) input[k] = v;
    validateInput(service.model, route.operation, input, { constraintError: service.constraintError });
    return { status: route.successStatus, body: await route.handler(input, ctx) };
  }
  throw new UnknownOperationException(`No ${service.signingName} operation for ${method} ${url.pathname}.`);
}

function toNumber(name: string, value: string, service: RestService): number {
  if (!/^-?\d+$/.test(value)) throw service.constraintError(`${name} must be an integer, got '${value}'.`);
  return Number(value);
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SerializationException('Request body must be a JSON object.');
}
