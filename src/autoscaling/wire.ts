/** Records to the Application Auto Scaling wire shapes, and the shared paging and time helpers (pure). */
import { decodeToken, encodeToken } from '../control-plane/pagination.js';
import { toEpochSeconds } from '../lib/clock.js';
import type {
  AutoScalingListQuery, ScalableTargetRecord, ScalingActivityRecord, ScalingPolicyRecord, ScheduledActionRecord,
} from '../store/store.js';
import { InvalidNextTokenException, ValidationException } from './errors.js';

export const MAX_RESULTS = 50;

export function pageSizeOf(maxResults: number | undefined): number {
  if (maxResults === undefined) return MAX_RESULTS;
  if (maxResults < 1 || maxResults > MAX_RESULTS) {
    throw new ValidationException(`1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: `
      + `Member must have value ${maxResults < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_RESULTS}`}`);
  }
  return maxResults;
}

export function afterKeyOf(operation: string, token: string | undefined): string | undefined {
  try {
    return decodeToken(operation, token);
  } catch {
    throw new InvalidNextTokenException('Invalid NextToken');
  }
}

/** The store query of a Describe* call: its namespace, filters and page. */
export function listQueryOf(
  operation: string, i: { ServiceNamespace: string; ResourceId?: string; ResourceIds?: string[]; ScalableDimension?: string; MaxResults?: number; NextToken?: string },
  names?: string[],
): AutoScalingListQuery {
  const limit = pageSizeOf(i.MaxResults);
  const afterKey = afterKeyOf(operation, i.NextToken);
  const resourceIds = i.ResourceIds ?? (i.ResourceId !== undefined ? [i.ResourceId] : undefined);
  return {
    serviceNamespace: i.ServiceNamespace, limit,
    ...(resourceIds !== undefined ? { resourceIds } : {}),
    ...(i.ScalableDimension !== undefined ? { scalableDimension: i.ScalableDimension } : {}),
    ...(names !== undefined ? { names } : {}),
    ...(afterKey !== undefined ? { afterKey } : {}),
  };
}

export const nextTokenOf = (operation: string, key: string | undefined): { NextToken?: string } => {
  const t = encodeToken(operation, key);
  return t === undefined ? {} : { NextToken: t };
};

/** A model timestamp member (epoch seconds, or an ISO 8601 text) in epoch ms. */
export function timestampMs(v: number | string): number {
  return typeof v === 'number' ? v * 1000 : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
}

export const targetToWire = (t: ScalableTargetRecord): Record<string, unknown> => ({
  ServiceNamespace: t.serviceNamespace, ResourceId: t.resourceId, ScalableDimension: t.scalableDimension,
  MinCapacity: t.minCapacity, MaxCapacity: t.maxCapacity, RoleARN: t.roleArn, CreationTime: toEpochSeconds(t.createdAt),
  SuspendedState: t.suspendedState, ScalableTargetARN: t.arn,
});

export const policyToWire = (p: ScalingPolicyRecord): Record<string, unknown> => ({
  PolicyARN: p.arn, PolicyName: p.name, ServiceNamespace: p.serviceNamespace, ResourceId: p.resourceId,
  ScalableDimension: p.scalableDimension, PolicyType: p.policyType,
  [p.policyType === 'TargetTrackingScaling' ? 'TargetTrackingScalingPolicyConfiguration' : 'StepScalingPolicyConfiguration']: p.configuration,
  Alarms: p.alarms, CreationTime: toEpochSeconds(p.createdAt),
});

export const scheduledActionToWire = (a: ScheduledActionRecord): Record<string, unknown> => ({
  ScheduledActionName: a.name, ScheduledActionARN: a.arn, ServiceNamespace: a.serviceNamespace, Schedule: a.schedule,
  ...(a.timezone !== undefined ? { Timezone: a.timezone } : {}), ResourceId: a.resourceId, ScalableDimension: a.scalableDimension,
  ...(a.startTime !== undefined ? { StartTime: toEpochSeconds(a.startTime) } : {}),
  ...(a.endTime !== undefined ? { EndTime: toEpochSeconds(a.endTime) } : {}),
  ScalableTargetAction: {
    ...(a.minCapacity !== undefined ? { MinCapacity: a.minCapacity } : {}), ...(a.maxCapacity !== undefined ? { MaxCapacity: a.maxCapacity } : {}),
  },
  CreationTime: toEpochSeconds(a.createdAt),
});

export const activityToWire = (a: ScalingActivityRecord): Record<string, unknown> => ({
  ActivityId: a.id, ServiceNamespace: a.serviceNamespace, ResourceId: a.resourceId, ScalableDimension: a.scalableDimension,
  Description: a.description, Cause: a.cause, StartTime: toEpochSeconds(a.startTime),
  ...(a.endTime !== undefined ? { EndTime: toEpochSeconds(a.endTime) } : {}), StatusCode: a.statusCode,
  ...(a.statusMessage !== undefined ? { StatusMessage: a.statusMessage } : {}),
});
