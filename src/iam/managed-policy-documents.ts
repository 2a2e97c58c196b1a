/**
 * The policy documents of Pier's catalogue of AWS managed policies (managed-policies.ts), written
 * from what AWS publishes for each. Most are AWS's documents as they are; two are shortened, and
 * say so in their catalogue entry: ReadOnlyAccess (AWS's lists thousands of actions across every
 * service; this keeps the read actions of the services ECS users meet) and AmazonECS_FullAccess
 * (the integration statements for services Pier does not serve are summarised by their
 * read-only actions).
 */
type Statement = Record<string, unknown>;
const policy = (...Statement: Statement[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}): Statement =>
  ({ ...extra, Effect: 'Allow', Action, Resource });

export const administratorAccess = policy(allow('*'));

export const amazonEcsTaskExecutionRolePolicy = policy(allow([
  'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage',
  'logs:CreateLogStream', 'logs:PutLogEvents',
]));

export const amazonEc2ContainerRegistryReadOnly = policy(allow([
  'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:GetRepositoryPolicy',
  'ecr:DescribeRepositories', 'ecr:ListImages', 'ecr:DescribeImages', 'ecr:BatchGetImage', 'ecr:GetLifecyclePolicy',
  'ecr:GetLifecyclePolicyPreview', 'ecr:ListTagsForResource', 'ecr:DescribeImageScanFindings',
]));

export const cloudWatchLogsFullAccess = policy(allow(['logs:*', 'cloudwatch:GenerateQuery'], '*', { Sid: 'CloudWatchLogsFullAccess' }));

export const amazonS3ReadOnlyAccess = policy(allow(['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*']));

export const secretsManagerReadWrite = policy(
  allow([
    'secretsmanager:*', 'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:DescribeStackResource',
    'cloudformation:DescribeStacks', 'cloudformation:ExecuteChangeSet', 'docdb-elastic:GetCluster', 'docdb-elastic:ListClusters',
    'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'kms:DescribeKey', 'kms:ListAliases', 'kms:ListKeys',
    'lambda:ListFunctions', 'rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'redshift:DescribeClusters',
    'redshift-serverless:ListWorkgroups', 'redshift-serverless:GetNamespace', 'tag:GetResources',
  ], '*', { Sid: 'BasePermissions' }),
  allow(['lambda:AddPermission', 'lambda:CreateFunction', 'lambda:GetFunction', 'lambda:InvokeFunction', 'lambda:UpdateFunctionConfiguration'],
    'arn:aws:lambda:*:*:function:SecretsManager*', { Sid: 'LambdaPermissions' }),
  allow(['serverlessrepo:CreateCloudFormationChangeSet', 'serverlessrepo:GetApplication'],
    'arn:aws:serverlessrepo:*:*:applications/SecretsManager*', { Sid: 'SARPermissions' }),
  allow(['s3:GetObject'], ['arn:aws:s3:::awsserverlessrepo-changesets*', 'arn:aws:s3:::secrets-manager-rotation-apps-*/*'], { Sid: 'S3Permissions' }),
);

const passRole = (Sid: string, Resource: string | string[], test: string, services: string | string[]): Statement =>
  allow('iam:PassRole', Resource, { Sid, Condition: { [test]: { 'iam:PassedToService': services } } });

export const amazonEcsFullAccess = policy(
  allow([
    'application-autoscaling:DeleteScalingPolicy', 'application-autoscaling:DeregisterScalableTarget',
    'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingActivities',
    'application-autoscaling:DescribeScalingPolicies', 'application-autoscaling:PutScalingPolicy',
    'application-autoscaling:RegisterScalableTarget', 'appmesh:Describe*', 'appmesh:List*', 'autoscaling:Describe*',
    'cloudformation:DescribeStack*', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricStatistics',
    'cloudwatch:PutMetricAlarm', 'codedeploy:BatchGet*', 'codedeploy:Get*', 'codedeploy:List*',
    'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateSecurityGroup', 'ec2:CreateSubnet', 'ec2:CreateVpc', 'ec2:DeleteSubnet',
    'ec2:DeleteVpc', 'ec2:Describe*', 'ec2:ModifySubnetAttribute', 'ec2:ModifyVpcAttribute', 'ecs:*',
    'elasticfilesystem:DescribeAccessPoints', 'elasticfilesystem:DescribeFileSystems',
    'elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateRule',
    'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:DeleteLoadBalancer',
    'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:DeleteTargetGroup', 'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups',
    'events:DeleteRule', 'events:DescribeRule', 'events:ListRuleNamesByTarget', 'events:ListTargetsByRule', 'events:PutRule',
    'events:PutTargets', 'events:RemoveTargets', 'fsx:DescribeFileSystems', 'iam:ListAttachedRolePolicies',
    'iam:ListInstanceProfiles', 'iam:ListRoles', 'lambda:ListFunctions', 'logs:CreateLogGroup', 'logs:DescribeLogGroups',
    'logs:FilterLogEvents', 'route53:GetHealthCheck', 'route53:GetHostedZone', 'route53:ListHostedZonesByName',
    'servicediscovery:CreatePrivateDnsNamespace', 'servicediscovery:CreateService', 'servicediscovery:DeleteService',
    'servicediscovery:GetNamespace', 'servicediscovery:GetOperation', 'servicediscovery:GetService',
    'servicediscovery:ListNamespaces', 'servicediscovery:ListServices', 'servicediscovery:UpdateService', 'sns:ListTopics',
  ], ['*'], { Sid: 'ECSIntegrationsManagementPolicy' }),
  allow(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'], 'arn:aws:ssm:*:*:parameter/aws/service/ecs*', { Sid: 'SSMPolicy' }),
  passRole('TasksPassRolePolicy', ['*'], 'StringLike', 'ecs-tasks.amazonaws.com'),
  passRole('InfrastructurePassRolePolicy', ['arn:aws:iam::*:role/ecsInfrastructureRole'], 'StringEquals', 'ecs.amazonaws.com'),
  passRole('InstancePassRolePolicy', ['arn:aws:iam::*:role/ecsInstanceRole*'], 'StringLike', ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn']),
  passRole('AutoScalingPassRolePolicy', ['arn:aws:iam::*:role/ecsAutoscaleRole*'], 'StringLike',
    ['application-autoscaling.amazonaws.com', 'application-autoscaling.amazonaws.com.cn']),
  allow('iam:CreateServiceLinkedRole', '*', {
    Sid: 'ServiceLinkedRoleCreationPolicy',
    Condition: { StringLike: { 'iam:AWSServiceName': [
      'ecs.amazonaws.com', 'autoscaling.amazonaws.com', 'ecs.application-autoscaling.amazonaws.com', 'spot.amazonaws.com', 'spotfleet.amazonaws.com',
    ] } },
  }),
  allow(['elasticloadbalancing:AddTags'], '*', {
    Sid: 'ELBTaggingPolicy',
    Condition: { StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateRule', 'CreateListener', 'CreateLoadBalancer'] } },
  }),
);

export const readOnlyAccess = policy(allow([
  'application-autoscaling:Describe*', 'autoscaling:Describe*', 'cloudformation:Describe*', 'cloudformation:Get*',
  'cloudformation:List*', 'cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*', 'ec2:Describe*', 'ec2:Get*',
  'ecr:BatchCheck*', 'ecr:BatchGet*', 'ecr:Describe*', 'ecr:Get*', 'ecr:List*', 'ecs:Describe*', 'ecs:List*',
  'elasticfilesystem:Describe*', 'elasticloadbalancing:Describe*', 'events:Describe*', 'events:List*', 'iam:Generate*',
  'iam:Get*', 'iam:List*', 'iam:Simulate*', 'kms:Describe*', 'kms:Get*', 'kms:List*', 'logs:Describe*', 'logs:FilterLogEvents',
  'logs:Get*', 'logs:ListTagsLogGroup', 'logs:StartQuery', 'logs:StopQuery', 'logs:TestMetricFilter', 'route53:Get*',
  'route53:List*', 's3:Get*', 's3:List*', 'secretsmanager:Describe*', 'secretsmanager:GetResourcePolicy', 'secretsmanager:List*',
  'servicediscovery:Get*', 'servicediscovery:List*', 'sns:Get*', 'sns:List*', 'sqs:Get*', 'sqs:List*', 'ssm:Describe*',
  'ssm:Get*', 'ssm:List*', 'sts:GetCallerIdentity',
]));
