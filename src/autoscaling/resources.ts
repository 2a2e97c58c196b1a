/**
 * What Pier can scale and how its resources are named (pure): ECS services only, as
 * `service/CLUSTER/SERVICE` with the dimension `ecs:service:DesiredCount`; the ARNs of scalable
 * targets, policies and scheduled actions, and the names target tracking gives its alarms, in
 * AWS's forms.
 */
import type { AccountScope } from '../ecs/arn.js';
import { ValidationException, type TargetKey } from './errors.js';

export const ECS_NAMESPACE = 'ecs';
export const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

export interface EcsServiceRef {
  readonly cluster: string;
  readonly service: string;
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The cluster and service an ECS resource ID names, or undefined when it is not `service/CLUSTER/SERVICE`. */
export function ecsServiceOf(resourceId: string): EcsServiceRef | undefined {
  const parts = resourceId.split('/');
  if (parts.length !== 3 || parts[0] !== 'service' || !NAME.test(parts[1]!) || !NAME.test(parts[2]!)) return undefined;
  return { cluster: parts[1]!, service: parts[2]! };
}

/** Checks a target key names something Pier can scale; returns the ECS service. */
export function parseTargetKey(k: TargetKey): EcsServiceRef {
  const ref = k.serviceNamespace === ECS_NAMESPACE && k.scalableDimension === ECS_DESIRED_COUNT ? ecsServiceOf(k.resourceId) : undefined;
  if (!ref) throw new ValidationException('Unsupported service namespace, resource type or scalable dimension');
  return ref;
}

export const resourceIdOf = (ref: EcsServiceRef): string => `service/${ref.cluster}/${ref.service}`;

const arnPrefix = (s: AccountScope, service: string): string => `arn:${s.partition}:${service}:${s.region}:${s.accountId}`;

export const autoScalingArns = {
  /** `scalable-target/` and 36 lowercase hex characters, as AWS shows them. */
  scalableTarget: (s: AccountScope, id36: string) => `${arnPrefix(s, 'application-autoscaling')}:scalable-target/${id36}`,
  policy: (s: AccountScope, uuid: string, k: TargetKey, name: string) =>
    `${arnPrefix(s, 'autoscaling')}:scalingPolicy:${uuid}:resource/${k.serviceNamespace}/${k.resourceId}:policyName/${name}`,
  scheduledAction: (s: AccountScope, uuid: string, k: TargetKey, name: string) =>
    `${arnPrefix(s, 'autoscaling')}:scheduledAction:${uuid}:resource/${k.serviceNamespace}/${k.resourceId}:scheduledActionName/${name}`,
  alarm: (s: AccountScope, name: string) => `${arnPrefix(s, 'cloudwatch')}:alarm:${name}`,
};

/** The two alarms AWS makes for a target tracking policy (Pier names them but evaluates the metric itself). */
export function targetTrackingAlarms(s: AccountScope, resourceId: string, high: string, low: string, disableScaleIn: boolean): { AlarmName: string; AlarmARN: string }[] {
  const names = [`TargetTracking-${resourceId}-AlarmHigh-${high}`, ...(disableScaleIn ? [] : [`TargetTracking-${resourceId}-AlarmLow-${low}`])];
  return names.map((AlarmName) => ({ AlarmName, AlarmARN: autoScalingArns.alarm(s, AlarmName) }));
}
