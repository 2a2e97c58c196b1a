/**
 * A task's `secrets` and `repositoryCredentials`, read for the host that starts it as the task's
 * execution role would read them on AWS: each Secrets Manager reference is a
 * secretsmanager:GetSecretValue and each Parameter Store one an ssm:GetParameters, authorised
 * against the execution role's policies with the same evaluator as every API call. The values go
 * to the host that runs the task and nowhere else; a refusal or a missing value is the task's
 * stop reason, in ECS's ResourceInitializationError words.
 */
import { awslogsConfig } from '../ecs/awslogs-config.js';
import { needsStartSecrets } from '../ecs/task-definition/start-secrets.js';
import type { ContainerDefinition } from '../ecs/task-definition/types.js';
import { assumedRolePrincipal, type AssumedRolePrincipal } from '../iam/principal.js';
import { trustsService } from '../iam/trust.js';
import type { TaskSecretsResponse } from '../protocol/agent.js';
import { parseSecretsManagerRef, resolveValueFrom, type ValueFromSources } from '../secrets/resolve-value-from.js';
import { parseParameterRef } from '../ssm/parameter-names.js';
import type { HostRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { AgentProtocolError } from './hosts.js';
import { definitionOfTask } from './task-definitions.js';
import { ECS_TASKS_PRINCIPAL, liveTaskOfHost } from './task-roles.js';
import { roleArnOf } from '../ecs/task-definition/role-arns.js';

/** Throws the service's denial when `principal` may not make the call (src/api/authorize.ts). */
export type AuthorizeCall = (principal: AssumedRolePrincipal, signingName: string, operation: string, input: Record<string, unknown>) => Promise<void>;

const PREFIX = 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ';

const initError = (detail: string): AgentProtocolError => new AgentProtocolError(403, 'ResourceInitializationError', `${PREFIX}${detail}`.slice(0, 1024));

const errorText = (err: unknown): string => {
  const e = err as { code?: unknown; name?: string; message?: string };
  return `${typeof e.code === 'string' ? e.code : e.name ?? 'Error'}: ${e.message ?? String(err)}`;
};

export interface ExecutionRoleSources {
  readonly sources: ValueFromSources;
  readonly authorize: AuthorizeCall;
  /** The built-in registry's repository an image names; undefined for any other registry. */
  readonly builtInRepository?: (image: string) => string | undefined;
}

/**
 * What a task's execution role does before its containers start: reads its secrets, and must be
 * allowed to pull its images from the built-in registry and write its awslogs streams (a task
 * without an execution role pulls from the built-in registry as the platform, a Pier convenience;
 * awslogs and secrets need one at registration, as on Fargate).
 */
export async function resolveTaskSecrets(cp: ControlPlane, opts: ExecutionRoleSources, host: HostRecord, taskArn: string): Promise<TaskSecretsResponse> {
  const { sources, authorize } = opts;
  const repos = cp.store.read;
  const record = await liveTaskOfHost(cp, host, taskArn, 'The task has stopped; its secrets are no longer read.');
  const def = (await definitionOfTask(repos, record.task))?.body ?? {};
  const containers = (def['containerDefinitions'] ?? []) as ContainerDefinition[];
  const out: TaskSecretsResponse = { environment: {}, registryCredentials: {} };
  const roleArn = roleArnOf('executionRoleArn', record.task.overrides, def);
  if (!roleArn) {
    if (needsStartSecrets(containers)) throw initError('the task definition has no executionRoleArn to read its secrets with');
    return out;
  }
  const role = await repos.roles.getByArn(roleArn);
  const assumeContext = { 'aws:SourceAccount': cp.scope.accountId, 'aws:SourceArn': taskArn };
  if (!role || !trustsService(role.assumeRolePolicyDocument, ECS_TASKS_PRINCIPAL, assumeContext)) {
    throw initError(`ECS was unable to assume the execution role '${roleArn}': it does not exist or does not trust ${ECS_TASKS_PRINCIPAL}`);
  }
  const principal = assumedRolePrincipal({
    partition: cp.scope.partition, accountId: cp.scope.accountId, roleArn: role.arn, roleId: role.roleId, sessionName: record.id,
  });

  for (const c of containers) await checkPullAndLogs(opts, principal, c, record.id);
  for (const c of containers) {
    const name = c.name ?? '';
    for (const s of c.secrets ?? []) {
      (out.environment[name] ??= {})[s.name] = await readValue(sources, authorize, principal, s.valueFrom, 'secret');
    }
    const credentials = c.repositoryCredentials?.credentialsParameter;
    if (credentials !== undefined) {
      const text = await readValue(sources, authorize, principal, credentials, 'registry');
      let parsed: { username?: unknown; password?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // reported below
      }
      if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
        throw initError(`unable to get registry auth from asm: the secret ${credentials} must hold JSON with "username" and "password"`);
      }
      out.registryCredentials[name] = { username: parsed.username, password: parsed.password };
    }
  }
  return out;
}

/** The execution role may pull the container's image from the built-in registry and write its awslogs stream. */
async function checkPullAndLogs(opts: ExecutionRoleSources, principal: AssumedRolePrincipal, c: ContainerDefinition, taskId: string): Promise<void> {
  const repository = c.image ? opts.builtInRepository?.(c.image) : undefined;
  if (repository !== undefined) {
    try {
      await opts.authorize(principal, 'ecr', 'GetAuthorizationToken', {});
    } catch (err) {
      throw initError(`unable to retrieve ecr registry auth: service call has been retried 3 time(s): ${errorText(err)}`);
    }
    for (const operation of ['BatchGetImage', 'GetDownloadUrlForLayer']) {
      try {
        await opts.authorize(principal, 'ecr', operation, { repositoryName: repository });
      } catch (err) {
        throw new AgentProtocolError(403, 'CannotPullContainerError',
          `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${c.image}: 403 Forbidden: ${errorText(err)}`.slice(0, 1024));
      }
    }
  }
  let logs: ReturnType<typeof awslogsConfig>;
  try {
    logs = awslogsConfig(c, taskId);
  } catch {
    return; // RegisterTaskDefinition checked the options; the agent reports any problem left
  }
  if (!logs) return;
  const calls = [...(logs.createGroup ? ['CreateLogGroup'] : []), 'CreateLogStream', 'PutLogEvents'];
  for (const operation of calls) {
    try {
      await opts.authorize(principal, 'logs', operation, { logGroupName: logs.logGroupName, ...(operation === 'CreateLogGroup' ? {} : { logStreamName: logs.logStreamName }) });
    } catch (err) {
      throw new AgentProtocolError(403, 'ResourceInitializationError',
        `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ${errorText(err)} : exit status 1`.slice(0, 1024));
    }
  }
}

/** One reference, authorised as the execution role, then read; errors worded as ECS words them. */
async function readValue(
  sources: ValueFromSources, authorize: AuthorizeCall, principal: AssumedRolePrincipal, valueFrom: string, use: 'secret' | 'registry',
): Promise<string> {
  const asm = parseSecretsManagerRef(valueFrom);
  const where = asm
    ? use === 'registry'
      ? `unable to get registry auth from asm: service call has been retried 1 time(s): asm fetching secret from the service for ${valueFrom}: `
      : `unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${valueFrom} from secrets manager: `
    : 'unable to retrieve secrets from ssm: service call has been retried 1 time(s): ';
  try {
    if (asm) await authorize(principal, 'secretsmanager', 'GetSecretValue', { SecretId: asm.secretArn });
    else await authorize(principal, 'ssm', 'GetParameters', { Names: [valueFrom.startsWith('arn:') ? valueFrom : parseParameterRef(valueFrom).names[0]!], WithDecryption: true });
    return await resolveValueFrom(sources, valueFrom);
  } catch (err) {
    if (!asm && (err as Error).name === 'ValueFromError') throw initError(`unable to retrieve secrets from ssm: invalid parameters: ${valueFrom}`);
    throw initError(where + errorText(err));
  }
}
