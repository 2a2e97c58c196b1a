/**
 * EC2's errors as the AWS CLI v2 and v1 show them, against a real `pier up`: every refused call
 * prints EC2's code and message, exits with the CLI's service-error status, and changes nothing
 * (a snapshot of every VPC, subnet, group and tag is the same after each batch).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Cli } from '../helpers/ec2-cli.js';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, v1Cli, v2Only } from './aws-cli-support.test.js';

const clis = [debianCli(), ...(v1Cli() ? [v1Cli()!] : [])];
const NO_VPC = 'vpc-0123456789abcdef0';
const NO_SUBNET = 'subnet-0123456789abcdef0';
const NO_GROUP = 'sg-0123456789abcdef0';

for (const cli of clis) {
  describe(`aws ec2 errors with ${cli.name}`, () => {
    const testV2 = v2Only(cli);
    let pier: PierProcess | undefined;
    let ec2: Ec2Cli;
    let vpc = '';
    let web = '';
    let defaultGroup = '';
    let before_: unknown;

    before(async () => {
      pier = await startPier();
      ec2 = new Ec2Cli(new Aws(cli, pier));
      vpc = ec2.ok(['create-vpc', '--cidr-block', '10.0.0.0/16']).Vpc.VpcId;
      ec2.ok(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.1.0/24']);
      web = ec2.ok(['create-security-group', '--group-name', 'web', '--description', 'web', '--vpc-id', vpc]).GroupId;
      ec2.ok(['authorize-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '22', '--cidr', '10.0.0.0/8']);
      defaultGroup = ec2.text(['describe-security-groups', '--filters', `Name=vpc-id,Values=${vpc}`, 'Name=group-name,Values=default', '--query', 'SecurityGroups[0].GroupId']);
      before_ = ec2.snapshot();
    });
    after(async () => {
      await pier?.destroy();
    });
    const unchanged = () => assert.deepEqual(ec2.snapshot(), before_, 'a refused call changed state');

    test('unknown ids: InvalidVpcID.NotFound, InvalidSubnetID.NotFound, InvalidGroup.NotFound', () => {
      ec2.fail(['describe-vpcs', '--vpc-ids', NO_VPC], 'InvalidVpcID.NotFound', 'DescribeVpcs', `The vpc ID '${NO_VPC}' does not exist`);
      ec2.fail(['delete-vpc', '--vpc-id', NO_VPC], 'InvalidVpcID.NotFound', 'DeleteVpc', `The vpc ID '${NO_VPC}' does not exist`);
      ec2.fail(['create-subnet', '--vpc-id', NO_VPC, '--cidr-block', '10.0.0.0/24'], 'InvalidVpcID.NotFound', 'CreateSubnet', `The vpc ID '${NO_VPC}' does not exist`);
      ec2.fail(['create-security-group', '--group-name', 'x', '--description', 'x', '--vpc-id', NO_VPC], 'InvalidVpcID.NotFound', 'CreateSecurityGroup', `The vpc ID '${NO_VPC}' does not exist`);
      ec2.fail(['describe-subnets', '--subnet-ids', NO_SUBNET], 'InvalidSubnetID.NotFound', 'DescribeSubnets', `The subnet ID '${NO_SUBNET}' does not exist`);
      ec2.fail(['delete-subnet', '--subnet-id', NO_SUBNET], 'InvalidSubnetID.NotFound', 'DeleteSubnet', `The subnet ID '${NO_SUBNET}' does not exist`);
      ec2.fail(['describe-security-groups', '--group-ids', web, NO_GROUP], 'InvalidGroup.NotFound', 'DescribeSecurityGroups', `The security group '${NO_GROUP}' does not exist`);
      ec2.fail(['describe-security-groups', '--group-names', 'nope'], 'InvalidGroup.NotFound', 'DescribeSecurityGroups', /^The security group 'nope' does not exist in default VPC 'vpc-[0-9a-f]{17}'$/);
      ec2.fail(['delete-security-group', '--group-id', NO_GROUP], 'InvalidGroup.NotFound', 'DeleteSecurityGroup', `The security group '${NO_GROUP}' does not exist`);
      ec2.fail(['authorize-security-group-ingress', '--group-id', NO_GROUP, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0'],
        'InvalidGroup.NotFound', 'AuthorizeSecurityGroupIngress', `The security group '${NO_GROUP}' does not exist`);
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '80', '--source-group', NO_GROUP],
        'InvalidGroup.NotFound', 'AuthorizeSecurityGroupIngress', `The security group '${NO_GROUP}' does not exist`);
      ec2.fail(['create-tags', '--resources', NO_VPC, '--tags', 'Key=a,Value=b'], 'InvalidVpcID.NotFound', 'CreateTags', `The vpc ID '${NO_VPC}' does not exist`);
      ec2.fail(['create-tags', '--resources', 'i-0123456789abcdef0', '--tags', 'Key=a,Value=b'], 'InvalidID', 'CreateTags', "The ID 'i-0123456789abcdef0' is not valid");
      unchanged();
    });

    testV2('CIDRs: InvalidVpc.Range, InvalidSubnet.Range, InvalidSubnet.Conflict, InvalidParameterValue for malformed ones', () => {
      ec2.fail(['create-vpc', '--cidr-block', '10.0.0.0/8'], 'InvalidVpc.Range', 'CreateVpc', "The CIDR '10.0.0.0/8' is invalid: VPC blocks are /16 to /28.");
      ec2.fail(['create-vpc', '--cidr-block', '10.0.0.0/29'], 'InvalidVpc.Range', 'CreateVpc', /^The CIDR '10.0.0.0\/29' is invalid/);
      ec2.fail(['create-vpc', '--cidr-block', '10.0.0.1/16'], 'InvalidParameterValue', 'CreateVpc', 'Value (10.0.0.1/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.');
      ec2.fail(['create-vpc', '--cidr-block', 'banana'], 'InvalidParameterValue', 'CreateVpc', 'Value (banana) for parameter cidrBlock is invalid. This is not a valid CIDR block.');
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.1.0.0/24'], 'InvalidSubnet.Range', 'CreateSubnet', "The CIDR '10.1.0.0/24' is invalid.");
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.0.0/29'], 'InvalidSubnet.Range', 'CreateSubnet', "The CIDR '10.0.0.0/29' is invalid.");
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.1.128/25'], 'InvalidSubnet.Conflict', 'CreateSubnet', "The CIDR '10.0.1.128/25' conflicts with another subnet");
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.0.0/16'], 'InvalidSubnet.Conflict', 'CreateSubnet', "The CIDR '10.0.0.0/16' conflicts with another subnet");
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.2.7/24'], 'InvalidParameterValue', 'CreateSubnet', /^Value \(10.0.2.7\/24\) for parameter cidrBlock is invalid/);
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.2.0/24', '--availability-zone', 'mars-1a'], 'InvalidParameterValue', 'CreateSubnet',
        /^Value \(mars-1a\) for parameter availabilityZone is invalid\. Subnets can currently only be created in the following availability zones: /);
      ec2.fail(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.2.0/24', '--availability-zone-id', 'use1-az9'], 'InvalidParameterValue', 'CreateSubnet',
        /^Value \(use1-az9\) for parameter availabilityZoneId is invalid\./);
      ec2.fail(['describe-availability-zones', '--zone-names', 'mars-1a'], 'InvalidParameterValue', 'DescribeAvailabilityZones', 'Invalid availability zone: [mars-1a]');
      unchanged();
    });

    testV2('security groups and rules: InvalidGroup.Duplicate, reserved names, InvalidPermission.Duplicate/NotFound, bad ports and CIDRs', () => {
      ec2.fail(['create-security-group', '--group-name', 'web', '--description', 'again', '--vpc-id', vpc], 'InvalidGroup.Duplicate', 'CreateSecurityGroup',
        `The security group 'web' already exists for VPC '${vpc}'`);
      ec2.fail(['create-security-group', '--group-name', 'default', '--description', 'x', '--vpc-id', vpc], 'InvalidGroup.Reserved', 'CreateSecurityGroup', "The security group 'default' is reserved");
      ec2.fail(['create-security-group', '--group-name', 'sg-web', '--description', 'x', '--vpc-id', vpc], 'InvalidParameterValue', 'CreateSecurityGroup',
        'Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*.');
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '22', '--cidr', '10.0.0.0/8'], 'InvalidPermission.Duplicate',
        'AuthorizeSecurityGroupIngress', 'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already exists');
      // A batch with one duplicate adds none of its rules.
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--ip-permissions', 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=192.168.0.0/16},{CidrIp=10.0.0.0/8}]'],
        'InvalidPermission.Duplicate', 'AuthorizeSecurityGroupIngress', /already exists$/);
      ec2.fail(['revoke-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '23', '--cidr', '10.0.0.0/8'], 'InvalidPermission.NotFound',
        'RevokeSecurityGroupIngress', 'The specified rule does not exist in this security group.');
      ec2.fail(['revoke-security-group-egress', '--group-id', web, '--ip-permissions', 'IpProtocol=tcp,FromPort=1,ToPort=2,IpRanges=[{CidrIp=0.0.0.0/0}]'],
        'InvalidPermission.NotFound', 'RevokeSecurityGroupEgress', 'The specified rule does not exist in this security group.');
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--ip-permissions', 'IpProtocol=tcp,FromPort=90,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]'],
        'InvalidParameterValue', 'AuthorizeSecurityGroupIngress', /portRange/);
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--ip-permissions', 'IpProtocol=tcp,IpRanges=[{CidrIp=0.0.0.0/0}]'],
        'InvalidParameterValue', 'AuthorizeSecurityGroupIngress', "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '80', '--cidr', '10.0.0.300/32'],
        'InvalidParameterValue', 'AuthorizeSecurityGroupIngress', 'CIDR block 10.0.0.300/32 is malformed');
      ec2.fail(['authorize-security-group-ingress', '--group-id', web, '--ip-permissions', 'IpProtocol=gre,IpRanges=[{CidrIp=0.0.0.0/0}]'],
        'InvalidParameterValue', 'AuthorizeSecurityGroupIngress', 'Value (gre) for parameter ipProtocol is invalid. Unknown protocol.');
      unchanged();
    });

    testV2('deleting what is in use or protected: DependencyViolation, CannotDelete', () => {
      ec2.fail(['delete-vpc', '--vpc-id', vpc], 'DependencyViolation', 'DeleteVpc', `The vpc '${vpc}' has dependencies and cannot be deleted.`);
      ec2.fail(['delete-security-group', '--group-id', defaultGroup], 'CannotDelete', 'DeleteSecurityGroup',
        `the specified group: "${defaultGroup}" name: "default" cannot be deleted by a user`);
      ec2.ok(['authorize-security-group-ingress', '--group-id', defaultGroup, '--protocol', 'tcp', '--port', '443', '--source-group', web]);
      ec2.fail(['delete-security-group', '--group-id', web], 'DependencyViolation', 'DeleteSecurityGroup', `resource ${web} has a dependent object`);
      ec2.ok(['revoke-security-group-ingress', '--group-id', defaultGroup, '--protocol', 'tcp', '--port', '443', '--source-group', web]);
      unchanged();
    });

    test('missing and invalid parameters, unknown filters, DryRun, actions Pier does not serve', () => {
      ec2.fail(['create-vpc'], 'MissingParameter', 'CreateVpc', 'The request must contain the parameter CidrBlock');
      ec2.fail(['delete-security-group'], 'MissingParameter', 'DeleteSecurityGroup', 'The request must contain the parameter GroupId or GroupName');
      ec2.fail(['describe-vpcs', '--filters', 'Name=colour,Values=red'], 'InvalidParameterValue', 'DescribeVpcs', "The filter 'colour' is invalid");
      ec2.fail(['describe-subnets', '--filters', 'Name=vpc,Values=x'], 'InvalidParameterValue', 'DescribeSubnets', "The filter 'vpc' is invalid");
      ec2.fail(['create-vpc', '--cidr-block', '10.5.0.0/16', '--tag-specifications', 'ResourceType=subnet,Tags=[{Key=a,Value=b}]'], 'InvalidParameterValue', 'CreateVpc',
        "'subnet' is not a valid taggable resource type for this operation; use 'vpc'.");
      ec2.fail(['create-tags', '--resources', vpc, '--tags', 'Key=aws:owner,Value=me'], 'InvalidParameterValue', 'CreateTags', /aws:owner.*reserved/);
      ec2.fail(['create-vpc', '--cidr-block', '10.5.0.0/16', '--dry-run'], 'DryRunOperation', 'CreateVpc', 'Request would have succeeded, but DryRun flag is set.');
      ec2.fail(['describe-instances'], 'InvalidAction', 'DescribeInstances', /^The action DescribeInstances is not valid for this web service\./);
      unchanged();
    });
  });
}
