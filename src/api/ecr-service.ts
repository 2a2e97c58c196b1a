/**
 * The ECR subset Pier serves (AWS JSON 1.1, target prefix AmazonEC2ContainerRegistry_V20150921,
 * signing name ecr) for its built-in registry: repositories, images and GetAuthorizationToken (so
 * `aws ecr get-login-password` works). Handlers live in src/registry/ecr/; constraint violations
 * the model finds answer InvalidParameterException, as ECR does.
 */
import { InvalidParameterException } from '../registry/ecr-errors.js';
import * as images from '../registry/ecr/images.js';
import * as repositories from '../registry/ecr/repositories.js';
import type { Registry } from '../registry/registry.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';

export function ecrService(reg: Registry, model: ServiceModel): JsonService {
  // Inputs have passed the model check, so their members have the model's types.
  const op = <I>(fn: (reg: Registry, input: I) => Promise<unknown>): Operation => (input) => fn(reg, input as I);
  const operations = new Map<string, Operation>([
    ['CreateRepository', op(repositories.createRepository)],
    ['DescribeRepositories', op(repositories.describeRepositories)],
    ['DeleteRepository', op(repositories.deleteRepository)],
    ['DescribeImages', op(images.describeImages)],
    ['ListImages', op(images.listImages)],
    ['BatchDeleteImage', op(images.batchDeleteImage)],
    ['GetAuthorizationToken', async (_input, ctx) => images.getAuthorizationToken(reg, ctx.principalArn)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the ECR model has no operation ${name}`);
  }
  return {
    signingName: 'ecr',
    model,
    operations,
    constraintError: (message) => new InvalidParameterException(message),
  };
}
