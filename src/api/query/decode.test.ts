import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ec2Error } from '../../ec2/errors.js';
import { ServiceModel } from '../model/service-model.js';
import { decodeInput, formParams } from './decode.js';

// dist/src/api/query → the repository root.
const model = ServiceModel.fromFile(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'models', 'ec2-2016-11-15.json'));
const decode = (op: string, body: string) => decodeInput(model, op, formParams(Buffer.from(body)));
const ec2Error = (code: string, message?: RegExp) => (e: unknown) =>
  e instanceof Ec2Error && e.code === code && (!message || message.test(e.message));

test('filters: Filter.N.Name and Filter.N.Value.M, in index order', () => {
  const input = decode('DescribeVpcs', 'Action=DescribeVpcs&Version=2016-11-15&Filter.2.Name=tag%3AName&Filter.2.Value.1=a+b'
    + '&Filter.1.Name=vpc-id&Filter.1.Value.2=vpc-2&Filter.1.Value.1=vpc-1&VpcId.1=vpc-9');
  assert.deepEqual(input, {
    Filters: [{ Name: 'vpc-id', Values: ['vpc-1', 'vpc-2'] }, { Name: 'tag:Name', Values: ['a b'] }],
    VpcIds: ['vpc-9'],
  });
});

test('locationName members are capitalised; queryName-less lists flatten without the member name', () => {
  const input = decode('AuthorizeSecurityGroupEgress', 'GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80'
    + '&IpPermissions.1.ToPort=81&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8&IpPermissions.1.IpRanges.1.Description=x'
    + '&IpPermissions.1.Groups.1.GroupId=sg-2&DryRun=false');
  assert.deepEqual(input, {
    GroupId: 'sg-1', DryRun: false,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 81, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'x' }], UserIdGroupPairs: [{ GroupId: 'sg-2' }] }],
  });
  assert.deepEqual(decode('CreateSecurityGroup', 'GroupName=web&GroupDescription=d&TagSpecification.1.ResourceType=security-group'
    + '&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v'), {
    GroupName: 'web', Description: 'd', TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'k', Value: 'v' }] }],
  });
  assert.deepEqual(decode('DeleteTags', 'ResourceId.1=vpc-1&Tag.1.Key=Name'), { Resources: ['vpc-1'], Tags: [{ Key: 'Name' }] });
  assert.deepEqual(decode('DescribeNetworkInterfaces', 'Filter.1.Name=subnet-id&Filter.1.Value.1=subnet-1'),
    { Filters: [{ Name: 'subnet-id', Values: ['subnet-1'] }] });
});

test('required members missing are MissingParameter, named as on the wire', () => {
  assert.throws(() => decode('DeleteVpc', 'Action=DeleteVpc'), ec2Error('MissingParameter', /parameter VpcId$/));
  assert.throws(() => decode('CreateSecurityGroup', 'GroupName=x'), ec2Error('MissingParameter', /GroupDescription/));
});

test('wrong types, ranges and enums are InvalidParameterValue', () => {
  assert.throws(() => decode('AuthorizeSecurityGroupIngress', 'FromPort=eighty'), ec2Error('InvalidParameterValue', /eighty.*FromPort/));
  assert.throws(() => decode('DescribeVpcs', 'DryRun=maybe'), ec2Error('InvalidParameterValue', /DryRun/));
  assert.throws(() => decode('DescribeVpcs', 'MaxResults=2'), ec2Error('InvalidParameterValue', /MaxResults/));
  assert.throws(() => decode('CreateVpc', 'CidrBlock=10.0.0.0/16&InstanceTenancy=shared'), ec2Error('InvalidParameterValue', /InstanceTenancy/));
  assert.throws(() => decode('DescribeVpcs', 'VpcId.0=vpc-1'), ec2Error('InvalidQueryParameter'));
});

test('unknown parameters are ignored, as EC2 does', () => {
  assert.deepEqual(decode('DescribeSubnets', 'Action=DescribeSubnets&Version=2016-11-15&Colour=red'), {});
});
