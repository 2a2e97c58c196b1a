/**
 * The EC2 Query protocol on the edge with raw signed requests against a real `pier up`: form
 * POSTs and GETs routed by the credential scope's service `ec2`, XML answers with requestId, and
 * EC2's error envelope and statuses for what the AWS CLIs never send.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest } from '../../src/api/auth/sign.js';
import { startPier, type PierProcess } from '../helpers/pier-process.js';

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

describe('EC2 Query protocol on the edge', () => {
  let pier: PierProcess | undefined;
  before(async () => {
    pier = await startPier();
  });
  after(async () => {
    await pier?.destroy();
  });

  async function ec2(opts: { body?: string; query?: string; method?: string; secret?: string }): Promise<{ status: number; type: string | null; requestId: string | null; text: string }> {
    const url = new URL(`/${opts.query ? `?${opts.query}` : ''}`, pier!.endpoint);
    const method = opts.method ?? 'POST';
    const body = opts.body ?? '';
    const headers = signRequest({ method, host: url.host, url: url.pathname + url.search, headers: method === 'POST' ? { 'content-type': FORM } : {}, body },
      { accessKeyId: pier!.accessKeyId, secretAccessKey: opts.secret ?? pier!.secretAccessKey }, pier!.region, 'ec2', Date.now());
    delete headers.host;
    const res = await fetch(url, { method, headers, ...(method === 'POST' ? { body } : {}) });
    return { status: res.status, type: res.headers.get('content-type'), requestId: res.headers.get('x-amzn-requestid'), text: await res.text() };
  }

  test('a form POST answers <ActionResponse> in the EC2 namespace with the request id, lists as <item>', async () => {
    const r = await ec2({ body: 'Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=isDefault&Filter.1.Value.1=true' });
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/xml;charset=UTF-8');
    assert.match(r.text, new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<DescribeVpcsResponse xmlns="${NS}"><requestId>(${UUID})</requestId><vpcSet><item>`));
    assert.equal(/<requestId>([^<]+)</.exec(r.text)?.[1], r.requestId);
    assert.match(r.text, /<isDefault>true<\/isDefault>.*<cidrBlock>172\.31\.0\.0\/16<\/cidrBlock>/);
  });

  test('GET with the parameters in the query string works too', async () => {
    const r = await ec2({ method: 'GET', query: 'Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=cidr-block&Filter.1.Value.1=172.31.16.0%2F20' });
    assert.equal(r.status, 200);
    assert.equal((r.text.match(/<subnetId>/g) ?? []).length, 1);
    assert.match(r.text, /<cidrBlock>172\.31\.16\.0\/20<\/cidrBlock>/);
  });

  test('an action without output answers <return>true</return>', async () => {
    const create = await ec2({ body: 'Action=CreateVpc&Version=2016-11-15&CidrBlock=10.3.0.0%2F16' });
    const vpcId = /<vpcId>(vpc-[0-9a-f]{17})<\/vpcId>/.exec(create.text)?.[1];
    assert.ok(vpcId, create.text);
    const r = await ec2({ body: `Action=DeleteVpc&Version=2016-11-15&VpcId=${vpcId}` });
    assert.equal(r.status, 200);
    assert.match(r.text, new RegExp(`<DeleteVpcResponse xmlns="${NS}"><requestId>${UUID}</requestId><return>true</return></DeleteVpcResponse>$`));
  });

  const errorOf = (text: string) => ({
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
  });

  test('errors: EC2 envelope with RequestID; InvalidAction, MissingParameter, InvalidParameterValue 400, DryRunOperation 412', async () => {
    const unknown = await ec2({ body: 'Action=RunInstances&Version=2016-11-15' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Response><Errors><Error><Code>InvalidAction</Code><Message>[^<]+</Message></Error></Errors><RequestID>${UUID}</RequestID></Response>$`));
    assert.equal(/<RequestID>([^<]+)</.exec(unknown.text)?.[1], unknown.requestId);
    assert.equal(errorOf((await ec2({ body: 'Version=2016-11-15' })).text).code, 'InvalidAction');
    assert.equal(errorOf((await ec2({ body: 'Action=Frobnicate' })).text).message?.startsWith('The action Frobnicate is not valid for this web service.'), true);
    assert.deepEqual(errorOf((await ec2({ body: 'Action=DeleteSubnet&Version=2016-11-15' })).text),
      { code: 'MissingParameter', message: 'The request must contain the parameter SubnetId' });
    const bad = await ec2({ body: 'Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&FromPort=x' });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad.text).code, 'InvalidParameterValue');
    const dry = await ec2({ body: 'Action=CreateVpc&CidrBlock=10.4.0.0%2F16&DryRun=true' });
    assert.equal(dry.status, 412);
    assert.deepEqual(errorOf(dry.text), { code: 'DryRunOperation', message: 'Request would have succeeded, but DryRun flag is set.' });
    assert.doesNotMatch((await ec2({ body: 'Action=DescribeVpcs' })).text, /10\.4\.0\.0/, 'a dry run creates nothing');
  });

  test('a request signed for ec2 that fails the signature check gets its error in the EC2 envelope', async () => {
    const r = await ec2({ body: 'Action=DescribeVpcs&Version=2016-11-15', secret: 'wrong' });
    assert.equal(r.status, 403);
    assert.equal(r.type, 'text/xml;charset=UTF-8');
    assert.equal(errorOf(r.text).code, 'SignatureDoesNotMatch', 'EC2 names a bad signature SignatureDoesNotMatch');
  });
});
