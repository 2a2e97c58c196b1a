/**
 * The execution role the people's commands give the task definitions they write: awslogs on
 * Fargate needs one. `ecsTaskExecutionRole`, trusted by ecs-tasks.amazonaws.com with AWS's managed
 * execution policy, as the ECS console makes it, plus logs:CreateLogGroup (the commands' log
 * configurations create their groups, which the managed policy does not allow); made once, then
 * reused, and the inline policy put again each time (roles made before it existed lack it).
 */
import { AwsCallError, type PierClient, xmlValues } from '../client/pier-client.js';

const IAM_VERSION = '2010-05-08';
export const EXECUTION_ROLE = 'ecsTaskExecutionRole';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

const CREATE_LOG_GROUPS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: '*' }],
});

type IamCall = (action: string, params: Record<string, string>) => Promise<string>;

export async function executionRoleArn(c: PierClient): Promise<string> {
  const iam: IamCall = (action, params) => c.query('iam', IAM_VERSION, action, params);
  const arn = await existingOrNewRole(iam);
  await iam('PutRolePolicy', { RoleName: EXECUTION_ROLE, PolicyName: 'create-log-groups', PolicyDocument: CREATE_LOG_GROUPS });
  return arn;
}

async function existingOrNewRole(iam: IamCall): Promise<string> {
  try {
    return xmlValues(await iam('GetRole', { RoleName: EXECUTION_ROLE }), 'Arn')[0]!;
  } catch (err) {
    if (!(err instanceof AwsCallError) || err.code !== 'NoSuchEntity') throw err;
  }
  let arn: string;
  try {
    arn = xmlValues(await iam('CreateRole', { RoleName: EXECUTION_ROLE, AssumeRolePolicyDocument: TRUST, Description: 'Made by the pier CLI for awslogs' }), 'Arn')[0]!;
  } catch (err) {
    // Another pier command made it meanwhile.
    if (!(err instanceof AwsCallError) || err.code !== 'EntityAlreadyExists') throw err;
    return xmlValues(await iam('GetRole', { RoleName: EXECUTION_ROLE }), 'Arn')[0]!;
  }
  await iam('AttachRolePolicy', { RoleName: EXECUTION_ROLE, PolicyArn: POLICY });
  return arn;
}
