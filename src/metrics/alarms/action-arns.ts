/**
 * Alarm action ARNs (pure): which kind each is, checked as PutMetricAlarm checks them.
 *
 * Pier performs one kind: an Application Auto Scaling policy
 * (`arn:aws:autoscaling:<region>:<account>:scalingPolicy:<id>:resource/<namespace>/<resource>:policyName/<name>`),
 * which runs a step scaling policy. The other kinds CloudWatch accepts (SNS topics, Lambda functions,
 * EC2 actions, EC2 Auto Scaling group policies, Systems Manager, investigations) are accepted so
 * existing templates keep working, and each time they would run the alarm's history records a
 * failed action saying Pier does not perform it. Anything else is refused with ValidationError.
 */
import type { AccountScope } from '../../ecs/arn.js';
import { ValidationError } from '../errors.js';

export type ActionArn =
  | { readonly kind: 'scaling-policy'; readonly arn: string; readonly serviceNamespace: string; readonly resourceId: string; readonly policyName: string }
  | { readonly kind: 'not-performed'; readonly arn: string; readonly what: string };

const SCALING_POLICY = /^arn:[\w-]+:autoscaling:([a-z0-9-]+):(\d{12}):scalingPolicy:[^:]+:resource\/([^/:]+)\/([^:]+):policyName\/(.+)$/;

const OTHERS: readonly { re: RegExp; what: string }[] = [
  { re: /^arn:[\w-]+:autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:[^:]+:autoScalingGroupName\/.+:policyName\/.+$/, what: 'EC2 Auto Scaling group policies' },
  { re: /^arn:[\w-]+:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, what: 'SNS notifications' },
  { re: /^arn:[\w-]+:lambda:[a-z0-9-]+:\d{12}:function:[\w-]{1,140}(:[\w$-]+)?$/, what: 'Lambda actions' },
  { re: /^arn:[\w-]+:automate:[a-z0-9-]+:ec2:(stop|terminate|reboot|recover)$/, what: 'EC2 actions' },
  { re: /^arn:[\w-]+:swf:[a-z0-9-]+:\d{12}:action\/actions\/AWS_EC2\.InstanceId\.(Stop|Terminate|Reboot|Recover)\/1\.0$/, what: 'EC2 actions' },
  { re: /^arn:[\w-]+:ssm:[a-z0-9-]+:\d{12}:opsitem:.+$/, what: 'Systems Manager OpsItems' },
  { re: /^arn:[\w-]+:ssm-incidents::\d{12}:responseplan\/.+$/, what: 'Incident Manager response plans' },
  { re: /^arn:[\w-]+:aiops:[a-z0-9-]+:\d{12}:investigation-group:.+$/, what: 'investigations' },
];

/** Classifies an action ARN, or throws CloudWatch's ValidationError naming it. */
export function parseActionArn(arn: string, scope: AccountScope): ActionArn {
  const m = SCALING_POLICY.exec(arn);
  if (m) {
    if (m[1] !== scope.region || m[2] !== scope.accountId) {
      throw new ValidationError(`The scaling policy ${arn} is not in this alarm's region (${scope.region}) and account (${scope.accountId}).`);
    }
    return { kind: 'scaling-policy', arn, serviceNamespace: m[3]!, resourceId: m[4]!, policyName: m[5]! };
  }
  const other = OTHERS.find((o) => o.re.test(arn));
  if (other) return { kind: 'not-performed', arn, what: other.what };
  if (!/^arn:[\w-]+:[\w-]+:[a-z0-9-]*:\d{0,12}:.+$/.test(arn)) throw new ValidationError(`Invalid arn syntax: ${arn}`);
  throw new ValidationError(`Unsupported alarm action ${arn}: use an Application Auto Scaling policy, an SNS topic, a Lambda function, an EC2 action or a Systems Manager action.`);
}
