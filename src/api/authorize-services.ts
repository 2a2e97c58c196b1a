/**
 * The one place calls are authorised: the edge wraps each service's operation table once, at
 * start, so every operation of every service runs only after Authorizer.authorize has allowed it,
 * with the operation's name and its decoded, model-checked input. Root calls pass straight through.
 */
import type { CallContext, JsonService } from './json-service.js';
import type { QueryService } from './query-service.js';
import type { RestService } from './rest-service.js';
import type { Authorizer, RequestFacts } from './authorize.js';

type Op<R> = (input: Record<string, unknown>, ctx: CallContext) => Promise<R>;

function guard<R>(authorizer: Authorizer, signingName: string, operation: string, run: Op<R>): Op<R> {
  return async (input, ctx) => {
    if (ctx.principal.kind !== 'root') await authorizer.authorize(ctx as CallContext & RequestFacts, signingName, operation, input);
    return run(input, ctx);
  };
}

function guardTable<R>(authorizer: Authorizer, signingName: string, table: ReadonlyMap<string, Op<R>>): Map<string, Op<R>> {
  return new Map([...table].map(([name, run]) => [name, guard(authorizer, signingName, name, run)]));
}

export function guardJson(authorizer: Authorizer, s: JsonService): JsonService {
  return { ...s, operations: guardTable(authorizer, s.signingName, s.operations) };
}

export function guardQuery(authorizer: Authorizer, s: QueryService): QueryService {
  return { ...s, operations: guardTable(authorizer, s.signingName, s.operations) };
}

export function guardRest(authorizer: Authorizer, s: RestService): RestService {
  return { ...s, routes: s.routes.map((r) => ({ ...r, handler: guard(authorizer, s.signingName, r.operation, r.handler) })) };
}
