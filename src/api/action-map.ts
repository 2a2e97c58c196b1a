/**
 * Which IAM action and resources an API call is authorised as, following AWS's Service
 * Authorization Reference: the action is `<service prefix>:<Operation>`, the resources are the
 * ARNs of what the call acts on (`*` where AWS uses `*`: lists, creates, calls without resource-level
 * permissions), and some calls carry service condition keys (`ecs:cluster`). Each service's
 * resolver is in action-map-<service>.ts; a service without one is authorised on `*`.
 */
import { ecsTarget } from './action-map-ecs.js';
import { iamTarget, stsTarget } from './action-map-iam.js';
import { ANY, type ActionTarget, type Input, type MapEnv, type Resolver } from './action-map-shared.js';
import { cloudwatchTarget, ec2Target, ecrTarget, efsTarget, elbv2Target, logsTarget, secretsTarget, ssmTarget } from './action-map-services.js';

/** Signing name → IAM service prefix, where they differ. */
const PREFIXES: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };

const RESOLVERS: Readonly<Record<string, Resolver>> = {
  ecs: ecsTarget, iam: iamTarget, sts: stsTarget, logs: logsTarget, ecr: ecrTarget, elasticfilesystem: efsTarget,
  elasticloadbalancing: elbv2Target, ec2: ec2Target, monitoring: cloudwatchTarget, secretsmanager: secretsTarget, ssm: ssmTarget,
};

export function iamAction(signingName: string, operation: string): string {
  return `${PREFIXES[signingName] ?? signingName}:${operation}`;
}

export async function actionTarget(signingName: string, operation: string, input: Input, env: MapEnv): Promise<ActionTarget> {
  const resolve = RESOLVERS[signingName];
  return resolve ? resolve(operation, input, env) : ANY;
}

export type { ActionTarget, MapEnv } from './action-map-shared.js';
