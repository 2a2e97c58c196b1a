/**
 * Resources of the other services' calls, as their Service Authorization Reference pages give
 * them: log groups and streams, ECR repositories, EFS file systems, ELBv2 load balancers, target
 * groups, listeners and rules, EC2 VPCs, subnets, security groups and interfaces, CloudWatch
 * alarms, Secrets Manager secrets and SSM parameters. Lists, describes without names and creates
 * are on `*`.
 */
import { ANY, arnPrefix, orAny, str, strs, type ActionTarget, type Input, type MapEnv } from './action-map-shared.js';

const LOG_STREAM_CALLS = new Set(['CreateLogStream', 'DeleteLogStream', 'PutLogEvents', 'GetLogEvents']);

export function logsTarget(operation: string, input: Input, env: MapEnv): ActionTarget {
  const resourceArn = str(input['resourceArn']) ?? str(input['logGroupIdentifier']);
  if (resourceArn?.startsWith('arn:')) return { resources: [resourceArn] };
  const group = str(input['logGroupName']) ?? resourceArn;
  if (group === undefined) return ANY;
  const groupArn = `${arnPrefix(env.scope, 'logs')}:log-group:${group}`;
  const stream = str(input['logStreamName']);
  return { resources: [LOG_STREAM_CALLS.has(operation) && stream !== undefined ? `${groupArn}:log-stream:${stream}` : groupArn] };
}

export function ecrTarget(_operation: string, input: Input, env: MapEnv): ActionTarget {
  const names = [...strs(input['repositoryNames']), ...[str(input['repositoryName'])].filter((n) => n !== undefined)];
  return orAny(names.map((n) => `${arnPrefix(env.scope, 'ecr')}:repository/${n}`));
}

export function efsTarget(_operation: string, input: Input, env: MapEnv): ActionTarget {
  const id = str(input['FileSystemId']);
  return id === undefined ? ANY : { resources: [`${arnPrefix(env.scope, 'elasticfilesystem')}:file-system/${id}`] };
}

const ELBV2_ARNS = ['LoadBalancerArn', 'TargetGroupArn', 'ListenerArn', 'RuleArn'];

export function elbv2Target(operation: string, input: Input): ActionTarget {
  if (operation.startsWith('Describe')) return ANY;
  return orAny([...ELBV2_ARNS.map((k) => str(input[k])).filter((a) => a !== undefined), ...strs(input['ResourceArns'])]);
}

const EC2_IDS: Readonly<Record<string, string>> = { VpcId: 'vpc', SubnetId: 'subnet', GroupId: 'security-group', NetworkInterfaceId: 'network-interface' };

export function ec2Target(operation: string, input: Input, env: MapEnv): ActionTarget {
  if (operation.startsWith('Describe') || operation.startsWith('Create')) return ANY;
  const prefix = arnPrefix(env.scope, 'ec2');
  return orAny(Object.entries(EC2_IDS).flatMap(([member, type]) => {
    const id = str(input[member]);
    return id === undefined ? [] : [`${prefix}:${type}/${id}`];
  }));
}

export function cloudwatchTarget(_operation: string, input: Input, env: MapEnv): ActionTarget {
  const names = [...strs(input['AlarmNames']), ...[str(input['AlarmName'])].filter((n) => n !== undefined)];
  return orAny(names.map((n) => `${arnPrefix(env.scope, 'cloudwatch')}:alarm:${n}`));
}

/** A secret named by name resolves to its ARN (with AWS's random suffix) when it exists. */
export async function secretsTarget(_operation: string, input: Input, env: MapEnv): Promise<ActionTarget> {
  const id = str(input['SecretId']) ?? str(input['Name']);
  if (id === undefined) return ANY;
  if (id.startsWith('arn:')) return { resources: [id] };
  const found = await env.repos.secrets.getByName(id);
  return { resources: [found?.arn ?? `${arnPrefix(env.scope, 'secretsmanager')}:secret:${id}`] };
}

export function ssmTarget(_operation: string, input: Input, env: MapEnv): ActionTarget {
  const names = [...strs(input['Names']), ...[str(input['Name']), str(input['Path'])].filter((n) => n !== undefined)];
  return orAny(names.map((n) => (n.startsWith('arn:') ? n : `${arnPrefix(env.scope, 'ssm')}:parameter/${n.replace(/^\//, '')}`)));
}
