/**
 * A task's `secrets` and `repositoryCredentials`, read for the host that starts it as the task's
 * execution role would read them on AWS: each Secrets Manager reference is a
 * secretsmanager:GetSecretValue and each Parameter Store one an ssm:GetParameters, authorised
 * against the execution role's policies with the same evaluator as every API call. The values go
 * to the host that runs the task and nowhere else; a refusal or a missing value is the task's
 * stop reason, in ECS's ResourceInitializationError words.
 */
import { needsStartSecrets } from '../ecs/task-definition/start-secrets.js';
import type { ContainerDefinition } from '../ecs/task-definition/types.js';
import type { AssumedRolePrincipal } from '../iam/principal.js';
import { trustsService } from '../iam/trust.js';
import type { TaskSecretsResponse } from '../protocol/agent.js';
import { parseSecretsManagerRef, resolveValueFrom, type ValueFromSources } from '../secrets/resolve-value-from.js';
import { parseParameterRef } from '../ssm/parameter-names.js';
import type { HostRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { AgentProtocolError } from './hosts.js';
import { definitionOfTask } from './task-definitions.js';
import { ECS_TASKS_PRINCIPAL, liveTaskOfHost } from './task-roles.js';

/** Throws the service's denial when `principal` may not make the call (src/api/authorize.ts). */
export type AuthorizeCall = (principal: AssumedRolePrincipal, signingName: string, operation: string, input: Record<string, unknown>) => Promise<void>;

const PREFIX = 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ';

const initError = (detail: string): AgentProtocolError => new AgentProtocolError(403, 'ResourceInitializationError', `${PREFIX}${detail}`.slice(0, 1024));

const errorText = (err: unknown): string => {
  const e = err as { code?: unknown; name?: string; message?: string };
  return `${typeof e.code === 'string' ? e.code : e.name ?? 'Error'}: ${e.message ?? String(err)}`;
};

export async function resolveTaskSecrets(
  cp: ControlPlane, sources: ValueFromSources, authorize: AuthorizeCall, host: HostRecord, taskArn: string,
): Promise<TaskSecretsResponse> {
  const repos = cp.store.read;
  const record = await liveTaskOfHost(cp, host, taskArn, 'The task has stopped; its secrets are no longer read.');
  const def = (await definitionOfTask(repos, record.task))?.body ?? {};
  const containers = (def['containerDefinitions'] ?? []) as ContainerDefinition[];
  const out: TaskSecretsResponse = { environment: {}, registryCredentials: {} };
  if (!needsStartSecrets(containers)) return out;

  const override = (record.task.overrides as { executionRoleArn?: unknown }).executionRoleArn;
  const roleArn = typeof override === 'string' && override !== '' ? override : def['executionRoleArn'] as string | undefined;
  if (!roleArn) throw initError('the task definition has no executionRoleArn to read its secrets with');
  const role = await repos.roles.getByArn(roleArn);
  const assumeContext = { 'aws:SourceAccount': cp.scope.accountId, 'aws:SourceArn': taskArn };
  if (!role || !trustsService(role.assumeRolePolicyDocument, ECS_TASKS_PRINCIPAL, assumeContext)) {
    throw initError(`ECS was unable to assume the execution role '${roleArn}': it does not exist or does not trust ${ECS_TASKS_PRINCIPAL}`);
  }
  const principal: AssumedRolePrincipal = {
    kind: 'assumed-role', accountId: cp.scope.accountId, roleArn: role.arn, sessionName: record.id,
    arn: `arn:${cp.scope.partition}:sts::${cp.scope.accountId}:assumed-role/${role.name}/${record.id}`,
    userId: `${role.roleId}:${record.id}`,
  };

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
