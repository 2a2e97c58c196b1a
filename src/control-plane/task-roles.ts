/**
 * Task roles, control-plane side: a task definition or RunTask may name only roles that exist, a
 * task's role must trust ECS tasks (ecs-tasks.amazonaws.com) to be assumed, and a host asks here
 * for the temporary credentials of a task it runs. Credentials are issued for as long as the task
 * has not stopped; the edge refuses them from the moment it has (src/api/auth/identities.ts).
 */
import { taskIdOf } from '../ecs/arn.js';
import { TaskStatus } from '../ecs/enums.js';
import { ClientException } from '../ecs/errors.js';
import { trustsService } from '../iam/trust.js';
import type { TaskCredentialsResponse } from '../protocol/agent.js';
import type { HostRecord, Repos, TaskRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { AgentProtocolError, taskRoleArnOf } from './hosts.js';
import { definitionOfTask } from './task-definitions.js';

export const ECS_TASKS_PRINCIPAL = 'ecs-tasks.amazonaws.com';
/** How long a task's role credentials last (ECS hands out six-hour credentials and renews them). */
export const DEFAULT_TASK_CREDENTIALS_TTL_MS = 6 * 60 * 60 * 1000;

const cannotAssume = (roleArn: string): ClientException => new ClientException(
  `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed `
  + 'has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.',
);

/** RegisterTaskDefinition: the roles it names must exist. */
export async function checkRolesExist(repos: Repos, roles: { taskRoleArn?: string | undefined; executionRoleArn?: string | undefined }): Promise<void> {
  for (const [field, arn] of Object.entries(roles)) {
    if (arn === undefined || arn === '') continue;
    if (!(await repos.roles.getByArn(arn))) {
      throw new ClientException(`Role is not valid: ${field} '${arn}' names no role in this account (aws iam create-role first).`);
    }
  }
}

/**
 * RunTask: the task role and execution role (overrides win) must exist and trust ECS tasks, as
 * ECS finds out when it assumes them for the task.
 */
export async function checkRolesAssumable(cp: ControlPlane, repos: Repos, roleArns: readonly (string | undefined)[]): Promise<void> {
  for (const arn of roleArns) {
    if (arn === undefined || arn === '') continue;
    const role = await repos.roles.getByArn(arn);
    if (!role || !trustsService(role.assumeRolePolicyDocument, ECS_TASKS_PRINCIPAL, assumeContext(cp))) throw cannotAssume(arn);
  }
}

function assumeContext(cp: ControlPlane, taskArn?: string): Record<string, string> {
  return {
    'aws:SourceAccount': cp.scope.accountId,
    'aws:SourceArn': taskArn ?? `arn:${cp.scope.partition}:ecs:${cp.scope.region}:${cp.scope.accountId}:*`,
  };
}

/** A task a host asks about on its behalf: it must be on that host and not have stopped. */
export async function liveTaskOfHost(cp: ControlPlane, host: HostRecord, taskArn: string, stoppedMessage: string): Promise<TaskRecord> {
  const record = await taskOfHost(cp, host, taskArn);
  if (record.task.lastStatus === TaskStatus.STOPPED) throw new AgentProtocolError(409, 'TaskStopped', stoppedMessage);
  return record;
}

/** The task an agent names, refused unless it is a full task ARN of a task assigned to that host. */
export async function taskOfHost(cp: ControlPlane, host: HostRecord, taskArn: string): Promise<TaskRecord> {
  const ref = taskIdOf(taskArn);
  if (!ref?.cluster) throw new AgentProtocolError(400, 'InvalidTask', 'taskArn must be a full task ARN.');
  const record = await cp.store.read.tasks.get(ref.cluster, ref.id);
  if (!record || record.hostId !== host.id) throw new AgentProtocolError(404, 'TaskNotAssigned', 'No such task on this host.');
  return record;
}

/**
 * A host's request for the role credentials of a task it runs: refused unless the task is on that
 * host, has not stopped, and its role still exists and trusts ECS tasks.
 */
export async function issueTaskCredentials(cp: ControlPlane, host: HostRecord, taskArn: string): Promise<TaskCredentialsResponse> {
  const repos = cp.store.read;
  const record = await liveTaskOfHost(cp, host, taskArn, 'The task has stopped; its credentials are no longer issued.');
  const roleArn = taskRoleArnOf(record, (await definitionOfTask(repos, record.task))?.body ?? {});
  if (!roleArn) throw new AgentProtocolError(404, 'NoTaskRole', 'The task has no task role.');
  const role = await repos.roles.getByArn(roleArn);
  if (!role || !trustsService(role.assumeRolePolicyDocument, ECS_TASKS_PRINCIPAL, assumeContext(cp, taskArn))) {
    throw new AgentProtocolError(409, 'RoleNotAssumable', cannotAssume(roleArn).message);
  }
  const expiresAtMs = cp.clock.now() + (cp.config.taskCredentialsTtlMs ?? DEFAULT_TASK_CREDENTIALS_TTL_MS);
  const creds = cp.sessions.issue({ roleArn: role.arn, roleId: role.roleId, sessionName: record.id, taskArn, expiresAtMs });
  await cp.store.transaction((tx) => tx.roles.recordUse(role.roleId, cp.clock.now(), cp.scope.region));
  return {
    RoleArn: role.arn,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
