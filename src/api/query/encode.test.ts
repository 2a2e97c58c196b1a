import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceModel } from '../model/service-model.js';
import { encodeError, encodeResponse, escapeXml } from './encode.js';

// dist/src/api/query → the repository root.
const model = ServiceModel.fromFile(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'models', 'ec2-2016-11-15.json'));
const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

test('results use locationNames, <item> lists, true/false, and leave absent members out', () => {
  const xml = encodeResponse(model, 'DescribeVpcs', NS, 'req-1', {
    Vpcs: [{ VpcId: 'vpc-1', IsDefault: true, CidrBlock: '10.0.0.0/16', Tags: [{ Key: 'a&b', Value: '<x>' }], CidrBlockAssociationSet: [] }],
  });
  assert.equal(xml, `${HEAD}<DescribeVpcsResponse xmlns="${NS}"><requestId>req-1</requestId><vpcSet><item>`
    + '<cidrBlockAssociationSet/><isDefault>true</isDefault><tagSet><item><key>a&amp;b</key><value>&lt;x&gt;</value></item></tagSet>'
    + '<vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</cidrBlock></item></vpcSet></DescribeVpcsResponse>');
});

test('operations without output answer <return>true</return>', () => {
  assert.equal(encodeResponse(model, 'DeleteVpc', NS, 'r', undefined),
    `${HEAD}<DeleteVpcResponse xmlns="${NS}"><requestId>r</requestId><return>true</return></DeleteVpcResponse>`);
});

test('errors use the EC2 envelope', () => {
  assert.equal(encodeError('InvalidVpcID.NotFound', "The vpc ID 'vpc-1' does not exist", 'r'),
    `${HEAD}<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;vpc-1&apos; does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>`);
  assert.equal(escapeXml(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
});
