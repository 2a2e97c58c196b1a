/** Shared builders and assertions for the task-definition unit tests. */
import assert from 'node:assert/strict';
import { parseRegisterTaskDefinition, type ParsedTaskDefinition } from './parse-register.js';
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from './types.js';

export const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';

type ErrorClass = new (message: string) => Error;

/** A minimal valid Fargate request: one nginx container, 256 CPU / 512 MiB, awsvpc. */
export function fargateRequest(extra: Partial<RegisterTaskDefinitionRequest> = {}): RegisterTaskDefinitionRequest {
  return {
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'nginx' }],
    ...extra,
  };
}

/** fargateRequest with its single container patched. */
export function withContainer(
  patch: Partial<ContainerDefinition>,
  extra: Partial<RegisterTaskDefinitionRequest> = {},
): RegisterTaskDefinitionRequest {
  return fargateRequest({ containerDefinitions: [{ name: 'app', image: 'nginx', ...patch }], ...extra });
}

export function register(request: RegisterTaskDefinitionRequest): ParsedTaskDefinition {
  const input: Record<string, unknown> = { ...request };
  return parseRegisterTaskDefinition(input);
}

/** Asserts `run` throws exactly `errorClass` with a message matching `message`. */
export function assertRejects(run: () => unknown, errorClass: ErrorClass, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** Escapes text for use inside a RegExp. */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
