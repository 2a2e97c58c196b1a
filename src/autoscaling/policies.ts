/**
 * PutScalingPolicy, DescribeScalingPolicies and DeleteScalingPolicy.
 *
 * ECS targets take TargetTrackingScaling on ECSServiceAverageCPUUtilization,
 * ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget (with its ResourceLabel) or a
 * customized metric, and StepScaling. PolicyType defaults to StepScaling, as on AWS. A target
 * tracking policy answers the two alarms AWS would create for it (TargetTracking-<resource>-AlarmHigh-<uuid>,
 * …-AlarmLow-<uuid> unless scale-in is disabled); Pier creates no alarm resources and evaluates the
 * metric itself (autoscaling-controller.ts). Putting a policy that exists replaces its
 * configuration and keeps its ARN.
 */
import type { ScalingPolicyRecord } from '../store/store.js';
import type { AutoScalingContext } from './context.js';
import { LimitExceededException, policyNotFound, targetNotRegistered, ValidationException } from './errors.js';
import { autoScalingArns, parseTargetKey, targetTrackingAlarms } from './resources.js';
import { checkStepScaling, type StepScalingConfig } from './step-scaling.js';
import { alarmsNamingPolicy } from './step-trigger.js';
import { keyOfInput, type TargetKeyInput } from './targets.js';
import { listQueryOf, nextTokenOf, policyToWire } from './wire.js';

/** AWS's quota of scaling policies per scalable target. */
export const MAX_POLICIES_PER_TARGET = 50;

export const ECS_PREDEFINED_METRICS = ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget'] as const;

/** `app/<load-balancer>/<id>/targetgroup/<target-group>/<id>`, as ALBRequestCountPerTarget's ResourceLabel. */
const RESOURCE_LABEL = /^app\/[^/]+\/[^/]+\/targetgroup\/[^/]+\/[^/]+$/;

export interface TargetTrackingInput {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  CustomizedMetricSpecification?: {
    MetricName?: string; Namespace?: string; Dimensions?: { Name: string; Value: string }[]; Statistic?: string; Unit?: string;
    Metrics?: Record<string, unknown>[];
  };
  ScaleOutCooldown?: number; ScaleInCooldown?: number; DisableScaleIn?: boolean;
}

export interface PutScalingPolicyInput extends TargetKeyInput {
  PolicyName: string;
  PolicyType?: string;
  StepScalingPolicyConfiguration?: StepScalingConfig;
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingInput;
  PredictiveScalingPolicyConfiguration?: Record<string, unknown>;
}

export function checkTargetTracking(cfg: TargetTrackingInput | undefined): void {
  if (!cfg) throw new ValidationException('TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling');
  if (!(cfg.TargetValue > 0)) throw new ValidationException('TargetValue must be greater than 0');
  for (const k of ['ScaleOutCooldown', 'ScaleInCooldown'] as const) {
    if (cfg[k] !== undefined && cfg[k]! < 0) throw new ValidationException(`${k} must be zero or more`);
  }
  const pre = cfg.PredefinedMetricSpecification;
  const custom = cfg.CustomizedMetricSpecification;
  if ((pre === undefined) === (custom === undefined)) {
    throw new ValidationException('Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified');
  }
  if (pre) {
    if (!(ECS_PREDEFINED_METRICS as readonly string[]).includes(pre.PredefinedMetricType)) {
      throw new ValidationException(`Unsupported predefined metric type ${pre.PredefinedMetricType} for service namespace ecs; use one of ${ECS_PREDEFINED_METRICS.join(', ')}`);
    }
    if (pre.PredefinedMetricType === 'ALBRequestCountPerTarget') {
      if (pre.ResourceLabel === undefined) throw new ValidationException('ResourceLabel is required for predefined metric type ALBRequestCountPerTarget');
      if (!RESOURCE_LABEL.test(pre.ResourceLabel)) {
        throw new ValidationException(`Invalid ResourceLabel ${pre.ResourceLabel}: expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>`);
      }
    } else if (pre.ResourceLabel !== undefined) {
      throw new ValidationException(`ResourceLabel is only valid for predefined metric type ALBRequestCountPerTarget`);
    }
    return;
  }
  const single = custom!.MetricName !== undefined || custom!.Namespace !== undefined || custom!.Statistic !== undefined;
  if (custom!.Metrics !== undefined) {
    if (single) throw new ValidationException('A customized metric specification has either MetricName, Namespace and Statistic or Metrics, not both');
    throw new ValidationException('Pier does not support metric math (Metrics) in a customized metric specification yet; give MetricName, Namespace and Statistic');
  }
  if (custom!.MetricName === undefined || custom!.Namespace === undefined || custom!.Statistic === undefined) {
    throw new ValidationException('A customized metric specification needs MetricName, Namespace and Statistic');
  }
}

/** The model's PolicyName pattern, Java's \p{Print}+: printable ASCII. */
const POLICY_NAME = /^[\x20-\x7e]+$/;

export async function putScalingPolicy(ctx: AutoScalingContext, input: PutScalingPolicyInput): Promise<unknown> {
  const key = keyOfInput(input);
  parseTargetKey(key);
  if (!POLICY_NAME.test(input.PolicyName)) {
    throw new ValidationException(`1 validation error detected: Value '${input.PolicyName}' at 'PolicyName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{Print}+`);
  }
  const type = input.PolicyType ?? 'StepScaling';
  if (type === 'PredictiveScaling') throw new ValidationException('Pier does not support PredictiveScaling policies; use TargetTrackingScaling or StepScaling');
  if (type === 'TargetTrackingScaling') {
    if (input.StepScalingPolicyConfiguration) throw new ValidationException('StepScalingPolicyConfiguration is not valid for a policy of type TargetTrackingScaling');
    checkTargetTracking(input.TargetTrackingScalingPolicyConfiguration);
  } else {
    if (input.TargetTrackingScalingPolicyConfiguration) throw new ValidationException('TargetTrackingScalingPolicyConfiguration is not valid for a policy of type StepScaling');
    checkStepScaling(input.StepScalingPolicyConfiguration);
  }
  const { cp } = ctx;
  const saved = await cp.store.transaction(async (tx) => {
    const target = await tx.autoScaling.getTarget(key.serviceNamespace, key.resourceId, key.scalableDimension);
    if (!target) throw targetNotRegistered(key);
    const existing = await tx.autoScaling.getPolicy(key.serviceNamespace, key.resourceId, key.scalableDimension, input.PolicyName);
    if (!existing) {
      const count = (await tx.autoScaling.listPolicies({ ...key, resourceIds: [key.resourceId], limit: MAX_POLICIES_PER_TARGET })).items.length;
      if (count >= MAX_POLICIES_PER_TARGET) {
        throw new LimitExceededException(`The maximum number of scaling policies (${MAX_POLICIES_PER_TARGET}) for this scalable target has been reached`);
      }
    }
    const tt = input.TargetTrackingScalingPolicyConfiguration;
    const alarmIds = (kind: 'High' | 'Low'): string =>
      existing?.alarms.find((a) => a.AlarmName.includes(`-Alarm${kind}-`))?.AlarmName.split(`-Alarm${kind}-`)[1] ?? cp.ids.uuid();
    const record: ScalingPolicyRecord = {
      ...key, name: input.PolicyName,
      arn: existing?.arn ?? autoScalingArns.policy(cp.scope, cp.ids.uuid(), key, input.PolicyName),
      policyType: type,
      configuration: (tt ?? input.StepScalingPolicyConfiguration) as unknown as Record<string, unknown>,
      alarms: tt ? targetTrackingAlarms(cp.scope, key.resourceId, alarmIds('High'), alarmIds('Low'), tt.DisableScaleIn === true) : [],
      createdAt: existing?.createdAt ?? cp.clock.now(),
    };
    await tx.autoScaling.putPolicy(record);
    return record;
  });
  return { PolicyARN: saved.arn, ...(saved.policyType === 'TargetTrackingScaling' ? { Alarms: saved.alarms } : {}) };
}

export interface DescribeScalingPoliciesInput {
  ServiceNamespace: string; PolicyNames?: string[]; ResourceId?: string; ScalableDimension?: string; MaxResults?: number; NextToken?: string;
}

export async function describeScalingPolicies(ctx: AutoScalingContext, input: DescribeScalingPoliciesInput): Promise<unknown> {
  const page = await ctx.cp.store.read.autoScaling.listPolicies(listQueryOf('DescribeScalingPolicies', input, input.PolicyNames));
  // A step policy's alarms are the CloudWatch alarms whose actions name it.
  const policies = await Promise.all(page.items.map(async (p) => (p.policyType === 'StepScaling' ? { ...p, alarms: await alarmsNamingPolicy(ctx, p.arn) } : p)));
  return { ScalingPolicies: policies.map(policyToWire), ...nextTokenOf('DescribeScalingPolicies', page.nextKey) };
}

export async function deleteScalingPolicy(ctx: AutoScalingContext, input: TargetKeyInput & { PolicyName: string }): Promise<unknown> {
  const key = keyOfInput(input);
  parseTargetKey(key);
  const removed = await ctx.cp.store.transaction((tx) => tx.autoScaling.removePolicy(key.serviceNamespace, key.resourceId, key.scalableDimension, input.PolicyName));
  if (!removed) throw policyNotFound(key, input.PolicyName);
  return {};
}
