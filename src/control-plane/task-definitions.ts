/** Task definition actions: Register, Describe, List, ListFamilies, Deregister, DeleteTaskDefinitions. */
import { arns, taskDefinitionRefOf } from '../ecs/arn.js';
import { ClientException, InvalidParameterException } from '../ecs/errors.js';
import { parseRegisterTaskDefinition } from '../ecs/task-definition/parse-register.js';
import type { Failure, Tag } from '../ecs/wire.js';
import type { Repos, TaskDefinitionRecord } from '../store/store.js';
import type { Caller, ControlPlane } from './context.js';
import { checkRolesExist } from './task-roles.js';
import { decodeToken, encodeToken, pageSize } from './pagination.js';

export type TaskDefinitionWire = Record<string, unknown>;

export function taskDefinitionToWire(r: TaskDefinitionRecord): TaskDefinitionWire {
  return {
    taskDefinitionArn: r.arn,
    ...r.body,
    family: r.family,
    revision: r.revision,
    status: r.status,
    registeredAt: r.registeredAt / 1000,
    ...(r.registeredBy ? { registeredBy: r.registeredBy } : {}),
    ...(r.deregisteredAt !== undefined ? { deregisteredAt: r.deregisteredAt / 1000 } : {}),
    ...(r.deleteRequestedAt !== undefined ? { deleteRequestedAt: r.deleteRequestedAt / 1000 } : {}),
  };
}

const unableToDescribe = (): ClientException => new ClientException('Unable to describe task definition.');

/** The definition a task was started from (its ARN names family and revision); undefined once deleted. */
export async function definitionOfTask(repos: Repos, task: { taskDefinitionArn: string }): Promise<TaskDefinitionRecord | undefined> {
  const ref = taskDefinitionRefOf(task.taskDefinitionArn);
  return ref?.revision === undefined ? undefined : repos.taskDefinitions.get(ref.family, ref.revision);
}

/** Resolves "family", "family:rev" or an ARN; a bare family means its latest ACTIVE revision. */
export async function resolveTaskDefinition(repos: Repos, ref: string): Promise<TaskDefinitionRecord> {
  const parsed = taskDefinitionRefOf(ref);
  if (!parsed) throw unableToDescribe();
  const record = parsed.revision === undefined
    ? await repos.taskDefinitions.latestActive(parsed.family)
    : await repos.taskDefinitions.get(parsed.family, parsed.revision);
  if (!record) throw unableToDescribe();
  return record;
}

export async function registerTaskDefinition(
  cp: ControlPlane, input: Record<string, unknown>, caller: Caller,
): Promise<{ taskDefinition: TaskDefinitionWire; tags: Tag[] }> {
  const parsed = parseRegisterTaskDefinition(input);
  const record = await cp.store.transaction(async (tx) => {
    await checkRolesExist(tx, { taskRoleArn: parsed.taskDefinition.taskRoleArn, executionRoleArn: parsed.taskDefinition.executionRoleArn });
    const revision = await tx.taskDefinitions.nextRevision(parsed.family);
    const r: TaskDefinitionRecord = {
      family: parsed.family,
      revision,
      arn: arns.taskDefinition(cp.scope, parsed.family, revision),
      status: 'ACTIVE',
      body: parsed.taskDefinition as unknown as Record<string, unknown>,
      size: parsed.size,
      registeredAt: cp.clock.now(),
      registeredBy: caller.principalArn,
    };
    await tx.taskDefinitions.put(r);
    await tx.tags.put(r.arn, parsed.tags);
    return r;
  });
  return { taskDefinition: taskDefinitionToWire(record), tags: parsed.tags };
}

export async function describeTaskDefinition(
  cp: ControlPlane, input: { taskDefinition: string; include?: string[] },
): Promise<{ taskDefinition: TaskDefinitionWire; tags?: Tag[] }> {
  const record = await resolveTaskDefinition(cp.store.read, input.taskDefinition);
  const out: { taskDefinition: TaskDefinitionWire; tags?: Tag[] } = { taskDefinition: taskDefinitionToWire(record) };
  if (input.include?.includes('TAGS')) out.tags = await cp.store.read.tags.get(record.arn);
  return out;
}

export async function listTaskDefinitions(cp: ControlPlane, input: {
  familyPrefix?: string; status?: string; sort?: 'ASC' | 'DESC'; nextToken?: string; maxResults?: number;
}): Promise<{ taskDefinitionArns: string[]; nextToken?: string }> {
  const limit = pageSize(input.maxResults, 100);
  const page = await cp.store.read.taskDefinitions.list({
    // Despite its name, ECS documents familyPrefix here as "the full family name".
    ...(input.familyPrefix !== undefined ? { family: input.familyPrefix } : {}),
    status: input.status ?? 'ACTIVE',
    sort: input.sort ?? 'ASC',
    ...withKey('afterKey', decodeToken('ListTaskDefinitions', input.nextToken)),
    limit,
  });
  const nextToken = encodeToken('ListTaskDefinitions', page.nextKey);
  return { taskDefinitionArns: page.items.map((t) => t.arn), ...(nextToken ? { nextToken } : {}) };
}

export async function listTaskDefinitionFamilies(cp: ControlPlane, input: {
  familyPrefix?: string; status?: 'ACTIVE' | 'INACTIVE' | 'ALL'; nextToken?: string; maxResults?: number;
}): Promise<{ families: string[]; nextToken?: string }> {
  const limit = pageSize(input.maxResults, 100);
  const page = await cp.store.read.taskDefinitions.listFamilies({
    ...(input.familyPrefix !== undefined ? { familyPrefix: input.familyPrefix } : {}),
    // The model: "By default, both ACTIVE and INACTIVE task definition families are listed."
    status: input.status ?? 'ALL',
    ...withKey('afterFamily', decodeToken('ListTaskDefinitionFamilies', input.nextToken)),
    limit,
  });
  const nextToken = encodeToken('ListTaskDefinitionFamilies', page.nextKey);
  return { families: page.items, ...(nextToken ? { nextToken } : {}) };
}

export async function deregisterTaskDefinition(cp: ControlPlane, input: { taskDefinition: string }): Promise<{ taskDefinition: TaskDefinitionWire }> {
  const parsed = taskDefinitionRefOf(input.taskDefinition);
  if (parsed && parsed.revision === undefined) {
    throw new ClientException('A revision is required: give family:revision or the full task definition ARN.');
  }
  const record = await cp.store.transaction(async (tx) => {
    const current = await resolveTaskDefinition(tx, input.taskDefinition);
    if (current.status !== 'ACTIVE') return current;
    const next: TaskDefinitionRecord = { ...current, status: 'INACTIVE', deregisteredAt: cp.clock.now() };
    await tx.taskDefinitions.put(next);
    return next;
  });
  return { taskDefinition: taskDefinitionToWire(record) };
}

/**
 * Marks INACTIVE revisions DELETE_IN_PROGRESS; the reaper removes them once no task uses them
 * (ECS keeps them visible until then, and never reuses their revision numbers).
 */
export async function deleteTaskDefinitions(cp: ControlPlane, input: { taskDefinitions: string[] }): Promise<{ taskDefinitions: TaskDefinitionWire[]; failures: Failure[] }> {
  if (input.taskDefinitions.length === 0 || input.taskDefinitions.length > 10) {
    throw new InvalidParameterException('taskDefinitions must list between 1 and 10 task definitions.');
  }
  return cp.store.transaction(async (tx) => {
    const taskDefinitions: TaskDefinitionWire[] = [];
    const failures: Failure[] = [];
    for (const ref of input.taskDefinitions) {
      const parsed = taskDefinitionRefOf(ref);
      const record = parsed?.revision === undefined ? undefined : await tx.taskDefinitions.get(parsed.family, parsed.revision);
      const arn = parsed?.revision !== undefined ? arns.taskDefinition(cp.scope, parsed.family, parsed.revision) : ref;
      if (parsed?.revision === undefined) {
        failures.push({ arn, reason: 'The specified task definition identifier is invalid. Specify a valid name or ARN and try again.' });
      } else if (!record) {
        failures.push({ arn, reason: 'The specified task definition does not exist. Specify a valid account, family, revision and try again.' });
      } else if (record.status === 'ACTIVE') {
        failures.push({ arn, reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' });
      } else {
        const next: TaskDefinitionRecord = record.status === 'DELETE_IN_PROGRESS'
          ? record : { ...record, status: 'DELETE_IN_PROGRESS', deleteRequestedAt: cp.clock.now() };
        await tx.taskDefinitions.put(next);
        taskDefinitions.push(taskDefinitionToWire(next));
      }
    }
    return { taskDefinitions, failures };
  });
}

function withKey<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
