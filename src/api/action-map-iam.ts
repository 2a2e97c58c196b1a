/**
 * IAM and STS calls as IAM authorises them: the role or user a call names (its ARN, path
 * included, or as the call would create it), the policy for GetPolicy/GetPolicyVersion, and the
 * role for AssumeRole. Calls on one's own keys without UserName act on the calling user.
 */
import { ANY, str, type ActionTarget, type Input, type MapEnv } from './action-map-shared.js';

function iamArn(env: MapEnv, kind: 'role' | 'user', name: string, path: string): string {
  return `arn:${env.scope.partition}:iam::${env.scope.accountId}:${kind}${path}${name}`;
}

async function roleArn(env: MapEnv, name: string, path: string | undefined): Promise<string> {
  return (await env.repos.roles.getByName(name))?.arn ?? iamArn(env, 'role', name, path ?? '/');
}

async function userArn(env: MapEnv, name: string, path: string | undefined): Promise<string> {
  return (await env.repos.users.getByName(name))?.arn ?? iamArn(env, 'user', name, path ?? '/');
}

export async function iamTarget(operation: string, input: Input, env: MapEnv): Promise<ActionTarget> {
  const role = str(input['RoleName']);
  if (role !== undefined) return { resources: [await roleArn(env, role, str(input['Path']))] };
  const user = str(input['UserName']);
  if (user !== undefined) return { resources: [await userArn(env, user, str(input['Path']))] };
  // Access key and GetUser calls without UserName act on the caller.
  if (/AccessKey|^GetUser$/.test(operation) && env.principal.kind === 'user') return { resources: [env.principal.arn] };
  const policy = str(input['PolicyArn']);
  return policy !== undefined ? { resources: [policy] } : ANY;
}

export function stsTarget(operation: string, input: Input): ActionTarget {
  const role = operation === 'AssumeRole' ? str(input['RoleArn']) : undefined;
  return role !== undefined ? { resources: [role] } : ANY;
}
