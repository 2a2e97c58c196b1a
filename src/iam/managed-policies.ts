/**
 * The AWS managed policies Pier knows: a small fixed catalogue of the ones ECS users attach, under
 * their AWS ARNs (`arn:aws:iam::aws:policy<path><name>`), each with one version, `v1`, holding its
 * document (managed-policy-documents.ts). Customer managed policies are not served, so AWS's are
 * the only policies a role can have attached.
 */
import * as docs from './managed-policy-documents.js';
import { IdPrefix, stableId } from './ids.js';

export interface ManagedPolicy {
  readonly name: string;
  /** `/` or `/service-role/`. */
  readonly path: string;
  readonly description: string;
  /** The policy's document, formatted as AWS returns it. */
  readonly document: string;
  /** Epoch ms; Pier's one version dates from then too. */
  readonly createdAt: number;
  /** True where the document is a shortened form of AWS's (see managed-policy-documents.ts). */
  readonly abridged?: boolean;
}

/** The one version Pier keeps of each. */
export const DEFAULT_VERSION_ID = 'v1';

const entry = (name: string, path: string, description: string, doc: unknown, created: string, abridged = false): ManagedPolicy =>
  ({
    name, path, description, document: JSON.stringify(doc, null, 4), createdAt: Date.parse(created),
    ...(abridged ? { abridged } : {}),
  });

/** Ordered by name, as ListPolicies answers. */
export const MANAGED_POLICIES: readonly ManagedPolicy[] = [
  entry('AdministratorAccess', '/', 'Provides full access to AWS services and resources.', docs.administratorAccess, '2015-02-06T18:39:46Z'),
  entry('AmazonEC2ContainerRegistryReadOnly', '/', 'Provides read-only access to Amazon EC2 Container Registry repositories.',
    docs.amazonEc2ContainerRegistryReadOnly, '2015-12-21T17:04:15Z'),
  entry('AmazonECSTaskExecutionRolePolicy', '/service-role/', 'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    docs.amazonEcsTaskExecutionRolePolicy, '2017-11-16T18:48:22Z'),
  entry('AmazonECS_FullAccess', '/', 'Provides administrative access to Amazon ECS resources and enables ECS features through access to other AWS service resources, including VPCs, Auto Scaling groups, and CloudFormation stacks.',
    docs.amazonEcsFullAccess, '2017-11-13T18:58:40Z', true),
  entry('AmazonS3ReadOnlyAccess', '/', 'Provides read only access to all buckets via the AWS Management Console.',
    docs.amazonS3ReadOnlyAccess, '2015-02-06T18:40:59Z'),
  entry('CloudWatchLogsFullAccess', '/', 'Provides full access to CloudWatch Logs', docs.cloudWatchLogsFullAccess,
    '2015-02-06T18:40:02Z'),
  entry('ReadOnlyAccess', '/', 'Provides read-only access to AWS services and resources.', docs.readOnlyAccess,
    '2015-02-06T18:39:48Z', true),
  entry('SecretsManagerReadWrite', '/', 'Provides read/write access to AWS Secrets Manager via the AWS Management Console. Note: this excludes IAM actions, so combine with IAMFullAccess if rotation configuration is required.',
    docs.secretsManagerReadWrite, '2018-04-04T18:05:29Z'),
];

export function managedPolicyArn(partition: string, p: ManagedPolicy): string {
  return `arn:${partition}:iam::aws:policy${p.path}${p.name}`;
}

export function managedPolicyId(p: ManagedPolicy): string {
  return stableId(IdPrefix.managedPolicy, p.name);
}

/** The catalogue entry an ARN names, if any. */
export function findManagedPolicy(partition: string, arn: string): ManagedPolicy | undefined {
  return MANAGED_POLICIES.find((p) => managedPolicyArn(partition, p) === arn);
}
