/** The STS subset Pier serves (Query protocol, plain `query` flavour, signing name sts): GetCallerIdentity, AssumeRole. */
import type { ControlPlane } from '../control-plane/context.js';
import { assumeRole, getCallerIdentity, type AssumeRoleInput } from '../iam/sts.js';
import type { ServiceModel } from './model/service-model.js';
import type { QueryOperation, QueryService } from './query-service.js';

export function stsService(cp: ControlPlane, model: ServiceModel): QueryService {
  const operations = new Map<string, QueryOperation>([
    ['GetCallerIdentity', async (_input, ctx) => getCallerIdentity(ctx.principal)],
    ['AssumeRole', (input, ctx) => assumeRole(cp, input as unknown as AssumeRoleInput, ctx.principal)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the STS model has no operation ${name}`);
  }
  return { signingName: 'sts', model, xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/', operations };
}
