/**
 * The SSM Parameter Store subset Pier serves (AWS JSON 1.1, target prefix AmazonSSM, signing name
 * ssm). Handlers live in src/ssm/; constraint violations the model finds answer ValidationException.
 */
import type { ParametersContext } from '../ssm/context.js';
import { deleteParameter, deleteParameters, describeParameters } from '../ssm/describe-parameters.js';
import { ValidationException } from '../ssm/errors.js';
import { getParameter, getParameters, getParametersByPath } from '../ssm/get-parameters.js';
import { putParameter, type PutParameterInput } from '../ssm/put-parameter.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';

export function ssmService(ctx: ParametersContext, model: ServiceModel): JsonService {
  // Inputs have passed the model check, so their members have the model's types.
  const op = <I>(fn: (ctx: ParametersContext, input: I) => Promise<unknown>): Operation => (input) => fn(ctx, input as I);
  const operations = new Map<string, Operation>([
    ['PutParameter', (input, call) => putParameter(ctx, input as unknown as PutParameterInput, call.principalArn)],
    ['GetParameter', op(getParameter)],
    ['GetParameters', op(getParameters)],
    ['GetParametersByPath', op(getParametersByPath)],
    ['DeleteParameter', op(deleteParameter)],
    ['DeleteParameters', op(deleteParameters)],
    ['DescribeParameters', op(describeParameters)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the SSM model has no operation ${name}`);
  }
  return { signingName: 'ssm', model, operations, constraintError: (message) => new ValidationException(message) };
}
