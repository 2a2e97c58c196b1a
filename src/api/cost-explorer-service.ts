/**
 * The Cost Explorer subset Pier serves (AWS JSON 1.1, target prefix AWSInsightsIndexService,
 * signing name ce): GetCostAndUsage over the tasks Pier has metered (src/metering/cost-and-usage.ts),
 * so `aws ce get-cost-and-usage --endpoint-url …` reads Pier's charges. Constraint violations the
 * model finds answer ValidationException.
 */
import type { ControlPlane } from '../control-plane/context.js';
import { allMeteredTasks } from '../control-plane/task-costs.js';
import { getCostAndUsage, type GetCostAndUsageInput } from '../metering/cost-and-usage.js';
import { ValidationException } from '../metering/cost-explorer-errors.js';
import type { PriceTable } from '../metering/prices.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';

export function costExplorerService(cp: ControlPlane, prices: PriceTable, model: ServiceModel): JsonService {
  const costAndUsage: Operation = async (input) =>
    getCostAndUsage(await allMeteredTasks(cp.store.read), prices, input as unknown as GetCostAndUsageInput, cp.scope, cp.clock.now());
  const operations = new Map<string, Operation>([['GetCostAndUsage', costAndUsage]]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the ce model has no operation ${name}`);
  }
  return { signingName: 'ce', model, operations, constraintError: (message) => new ValidationException(message) };
}
