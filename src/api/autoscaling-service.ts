/**
 * The Application Auto Scaling subset Pier serves (AWS JSON 1.1, target prefix
 * AnyScaleFrontendService, signing name application-autoscaling) for ECS services. Handlers live
 * in src/autoscaling/; constraint violations the model finds answer ValidationException.
 */
import * as activities from '../autoscaling/activities.js';
import type { AutoScalingContext } from '../autoscaling/context.js';
import { ValidationException } from '../autoscaling/errors.js';
import * as policies from '../autoscaling/policies.js';
import * as scheduled from '../autoscaling/scheduled-actions.js';
import * as targets from '../autoscaling/targets.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';

export function autoScalingService(ctx: AutoScalingContext, model: ServiceModel): JsonService {
  // Inputs have passed the model check, so their members have the model's types.
  const op = <I>(fn: (ctx: AutoScalingContext, input: I) => Promise<unknown>): Operation => (input) => fn(ctx, input as I);
  const operations = new Map<string, Operation>([
    ['RegisterScalableTarget', op(targets.registerScalableTarget)],
    ['DescribeScalableTargets', op(targets.describeScalableTargets)],
    ['DeregisterScalableTarget', op(targets.deregisterScalableTarget)],
    ['PutScalingPolicy', op(policies.putScalingPolicy)],
    ['DescribeScalingPolicies', op(policies.describeScalingPolicies)],
    ['DeleteScalingPolicy', op(policies.deleteScalingPolicy)],
    ['PutScheduledAction', op(scheduled.putScheduledAction)],
    ['DescribeScheduledActions', op(scheduled.describeScheduledActions)],
    ['DeleteScheduledAction', op(scheduled.deleteScheduledAction)],
    ['DescribeScalingActivities', op(activities.describeScalingActivities)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the application-autoscaling model has no operation ${name}`);
  }
  return {
    signingName: 'application-autoscaling',
    model,
    operations,
    constraintError: (message) => new ValidationException(message),
  };
}
