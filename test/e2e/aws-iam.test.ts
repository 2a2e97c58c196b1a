/**
 * IAM roles and STS against a real `pier up`, with the real AWS CLI v2 (Debian's /usr/bin/aws) and
 * v1 (first on PATH, when present) — both decode the URL-encoded policy documents IAM sends, so
 * each is checked to get back exactly what it sent — then raw signed Query calls for the wire
 * itself (envelopes and HTTP statuses), and the AWS SDK for JavaScript v3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRoleCommand, DeleteConflictException, DeleteRoleCommand, EntityAlreadyExistsException, GetRoleCommand, IAMClient, MalformedPolicyDocumentException,
  NoSuchEntityException, PutRolePolicyCommand, GetRolePolicyCommand, paginateListRoles,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { signRequest } from '../../src/api/auth/sign.js';
import { PIER_MAIN, startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, v1Cli, v2Only } from './aws-cli-support.test.js';

const clis = [debianCli(), ...(v1Cli() ? [v1Cli()!] : [])];
const ECS_TASKS_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Sid: '', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const S3_READ = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::assets', 'arn:aws:s3:::assets/*'] }] };
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const LOGS_POLICY = 'arn:aws:iam::aws:policy/CloudWatchLogsFullAccess';
const ROLE_ID = /^AROA[A-Z2-7]{17}$/;

for (const cli of clis) {
  describe(`aws iam and sts with ${cli.name} (${cli.version.split(' ')[0]})`, () => {
    const testV2 = v2Only(cli);
    let pier: PierProcess;
    let aws: Aws;
    let dir = '';
    let account = '';
    const iam = (args: string[]) => aws.ok(args, 'iam');
    const fail = (args: string[], code: string, op: string, message: string | RegExp) => aws.fail(args, code, op, message, 'iam');
    /** A file:// argument holding `doc` as the user wrote it (indented, so whitespace must survive). */
    const file = (name: string, doc: unknown): string => {
      writeFileSync(join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
      return `file://${join(dir, name)}`;
    };
    /** Every role, and all there is to see of `plain` (the role refused calls aim at), for before/after comparisons. */
    const snapshot = () => ({
      roles: iam(['list-roles']).Roles,
      plain: iam(['get-role', '--role-name', 'plain']).Role,
      inline: iam(['list-role-policies', '--role-name', 'plain']).PolicyNames,
      attached: iam(['list-attached-role-policies', '--role-name', 'plain']).AttachedPolicies,
      policies: iam(['list-policies', '--only-attached']).Policies,
    });

    before(async () => {
      pier = await startPier({ args: ['--allow-reset'] });
      aws = new Aws(cli, pier);
      dir = mkdtempSync(join(tmpdir(), 'pier-iam-e2e-'));
    });
    after(async () => {
      await pier?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    test('sts get-caller-identity as the account root', () => {
      const id = aws.ok(['get-caller-identity'], 'sts');
      assert.match(id.Account, /^\d{12}$/);
      account = id.Account;
      assert.deepEqual(id, { UserId: account, Account: account, Arn: `arn:aws:iam::${account}:root` });
    });

    test('create-role from a file; get-role gives the trust policy back as written, by name in any case', () => {
      const started = Date.now();
      const { Role } = iam(['create-role', '--role-name', 'AppTaskRole', '--path', '/ecs/', '--description', 'the web app',
        '--assume-role-policy-document', file('trust.json', ECS_TASKS_TRUST), '--max-session-duration', '7200', '--tags', 'Key=team,Value=web']);
      assert.match(Role.RoleId, ROLE_ID);
      assert.deepEqual([Role.RoleName, Role.Path, Role.Arn, Role.Description, Role.Tags], [
        'AppTaskRole', '/ecs/', `arn:aws:iam::${account}:role/ecs/AppTaskRole`, 'the web app', [{ Key: 'team', Value: 'web' }]]);
      assert.deepEqual(Role.AssumeRolePolicyDocument, ECS_TASKS_TRUST);
      const created = Date.parse(Role.CreateDate);
      assert.ok(created >= started - 1000 && created <= Date.now() + 1000, `CreateDate ${Role.CreateDate} is now`);

      const got = iam(['get-role', '--role-name', 'apptaskrole']).Role;
      assert.deepEqual({ ...got, CreateDate: Date.parse(got.CreateDate) }, {
        ...Role, CreateDate: created, MaxSessionDuration: 7200, RoleLastUsed: {},
      });
      iam(['create-role', '--role-name', 'plain', '--assume-role-policy-document', JSON.stringify(ECS_TASKS_TRUST)]);
      const plain = iam(['get-role', '--role-name', 'plain']).Role;
      assert.deepEqual([plain.Path, plain.MaxSessionDuration, plain.Description, plain.Tags], ['/', 3600, undefined, undefined]);
    });

    test('list-roles: by name, a path prefix, pages the CLI follows and pages handed back', () => {
      for (const n of ['db-role', 'batch-role']) iam(['create-role', '--role-name', n, '--path', '/svc/', '--assume-role-policy-document', file('trust.json', ECS_TASKS_TRUST)]);
      const names = (out: any) => out.Roles.map((r: any) => r.RoleName);
      assert.deepEqual(names(iam(['list-roles'])), ['AppTaskRole', 'batch-role', 'db-role', 'plain']);
      assert.deepEqual(names(iam(['list-roles', '--path-prefix', '/svc/'])), ['batch-role', 'db-role']);
      assert.deepEqual(names(iam(['list-roles', '--page-size', '1'])), ['AppTaskRole', 'batch-role', 'db-role', 'plain'], 'the CLI follows Marker');
      const first = iam(['list-roles', '--max-items', '3']);
      assert.deepEqual(names(first), ['AppTaskRole', 'batch-role', 'db-role']);
      assert.ok(first.NextToken, 'a truncated list hands back a token');
      assert.deepEqual(names(iam(['list-roles', '--max-items', '3', '--starting-token', first.NextToken])), ['plain']);
      const listed = iam(['list-roles', '--path-prefix', '/ecs/']).Roles[0];
      assert.deepEqual([listed.MaxSessionDuration, listed.Tags, listed.RoleLastUsed], [7200, undefined, undefined], 'ListRoles leaves tags and last use out');
    });

    test('inline policies: put from a file, get it back decoded, list, replace, delete', () => {
      iam(['put-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'read-assets', '--policy-document', file('s3.json', S3_READ)]);
      iam(['put-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'logs', '--policy-document',
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}}']);
      assert.deepEqual(iam(['get-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'read-assets']),
        { RoleName: 'AppTaskRole', PolicyName: 'read-assets', PolicyDocument: S3_READ });
      assert.deepEqual(iam(['list-role-policies', '--role-name', 'AppTaskRole']).PolicyNames, ['logs', 'read-assets']);
      const wider = { ...S3_READ, Statement: [{ ...S3_READ.Statement[0], Action: 's3:*' }] };
      iam(['put-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'read-assets', '--policy-document', file('s3.json', wider)]);
      assert.deepEqual(iam(['get-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'read-assets']).PolicyDocument, wider);
      iam(['delete-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'logs']);
      assert.deepEqual(iam(['list-role-policies', '--role-name', 'AppTaskRole']).PolicyNames, ['read-assets']);
    });

    test('managed policies: attach, list attached, the policy and its document, list-policies, detach', () => {
      iam(['attach-role-policy', '--role-name', 'AppTaskRole', '--policy-arn', EXECUTION_POLICY]);
      iam(['attach-role-policy', '--role-name', 'AppTaskRole', '--policy-arn', EXECUTION_POLICY]);
      iam(['attach-role-policy', '--role-name', 'db-role', '--policy-arn', EXECUTION_POLICY]);
      iam(['attach-role-policy', '--role-name', 'AppTaskRole', '--policy-arn', LOGS_POLICY]);
      assert.deepEqual(iam(['list-attached-role-policies', '--role-name', 'AppTaskRole']).AttachedPolicies, [
        { PolicyName: 'CloudWatchLogsFullAccess', PolicyArn: LOGS_POLICY },
        { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_POLICY },
      ]);
      assert.deepEqual(iam(['list-attached-role-policies', '--role-name', 'AppTaskRole', '--path-prefix', '/service-role/']).AttachedPolicies.map((p: any) => p.PolicyName),
        ['AmazonECSTaskExecutionRolePolicy']);
      const { Policy } = iam(['get-policy', '--policy-arn', EXECUTION_POLICY]);
      assert.deepEqual([Policy.PolicyName, Policy.Path, Policy.DefaultVersionId, Policy.AttachmentCount, Policy.IsAttachable],
        ['AmazonECSTaskExecutionRolePolicy', '/service-role/', 'v1', 2, true]);
      assert.match(Policy.PolicyId, /^ANPA[A-Z2-7]{17}$/);
      const { PolicyVersion } = iam(['get-policy-version', '--policy-arn', EXECUTION_POLICY, '--version-id', 'v1']);
      assert.equal(PolicyVersion.IsDefaultVersion, true);
      assert.deepEqual(PolicyVersion.Document.Statement[0].Action, ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents']);
      const all = iam(['list-policies', '--scope', 'AWS']).Policies.map((p: any) => p.PolicyName);
      for (const name of ['AdministratorAccess', 'ReadOnlyAccess', 'AmazonECS_FullAccess', 'AmazonECSTaskExecutionRolePolicy',
        'AmazonEC2ContainerRegistryReadOnly', 'CloudWatchLogsFullAccess', 'AmazonS3ReadOnlyAccess', 'SecretsManagerReadWrite']) assert.ok(all.includes(name), name);
      assert.deepEqual(iam(['list-policies', '--only-attached']).Policies.map((p: any) => [p.PolicyName, p.AttachmentCount]),
        [['AmazonECSTaskExecutionRolePolicy', 2], ['CloudWatchLogsFullAccess', 1]]);
      assert.deepEqual(iam(['list-policies', '--scope', 'Local']).Policies, []);
      iam(['detach-role-policy', '--role-name', 'db-role', '--policy-arn', EXECUTION_POLICY]);
      assert.equal(iam(['get-policy', '--policy-arn', EXECUTION_POLICY]).Policy.AttachmentCount, 1);
    });

    test('delete-role waits for the role\'s inline and attached policies to go (DeleteConflict)', () => {
      fail(['delete-role', '--role-name', 'AppTaskRole'], 'DeleteConflict', 'DeleteRole', 'Cannot delete entity, must delete policies first.');
      iam(['delete-role-policy', '--role-name', 'AppTaskRole', '--policy-name', 'read-assets']);
      fail(['delete-role', '--role-name', 'AppTaskRole'], 'DeleteConflict', 'DeleteRole', 'Cannot delete entity, must detach all policies first.');
      for (const arn of [EXECUTION_POLICY, LOGS_POLICY]) iam(['detach-role-policy', '--role-name', 'AppTaskRole', '--policy-arn', arn]);
      iam(['delete-role', '--role-name', 'AppTaskRole']);
      fail(['get-role', '--role-name', 'AppTaskRole'], 'NoSuchEntity', 'GetRole', 'The role with name AppTaskRole cannot be found.');
    });

    testV2('update-assume-role-policy replaces the trust policy', () => {
      const both = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['ecs-tasks.amazonaws.com', 'ec2.amazonaws.com'] }, Action: 'sts:AssumeRole' }] };
      iam(['update-assume-role-policy', '--role-name', 'plain', '--policy-document', file('both.json', both)]);
      assert.deepEqual(iam(['get-role', '--role-name', 'plain']).Role.AssumeRolePolicyDocument, both);
    });

    testV2('bad input answers IAM\'s codes and messages and changes nothing', () => {
      const before_ = snapshot();
      const trust = file('trust.json', ECS_TASKS_TRUST);
      fail(['create-role', '--role-name', 'PLAIN', '--assume-role-policy-document', trust], 'EntityAlreadyExists', 'CreateRole', 'Role with name PLAIN already exists.');
      fail(['create-role', '--role-name', 'no spaces', '--assume-role-policy-document', trust], 'ValidationError', 'CreateRole',
        "1 validation error detected: Value 'no spaces' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
      fail(['create-role', '--role-name', 'r'.repeat(65), '--assume-role-policy-document', trust], 'ValidationError', 'CreateRole', /Member must have length less than or equal to 64$/);
      fail(['create-role', '--role-name', 'long', '--max-session-duration', '50000', '--assume-role-policy-document', trust], 'ValidationError', 'CreateRole',
        "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200");
      fail(['create-role', '--role-name', 'badpath', '--path', 'ecs', '--assume-role-policy-document', trust], 'ValidationError', 'CreateRole', /at 'path' failed to satisfy constraint/);
      fail(['create-role', '--role-name', 'x', '--assume-role-policy-document', file('s3.json', S3_READ)], 'MalformedPolicyDocument', 'CreateRole', 'Has prohibited field Resource');
      fail(['create-role', '--role-name', 'x', '--assume-role-policy-document', '{"Version": "2012-10-17", "Statement": ['], 'MalformedPolicyDocument', 'CreateRole', 'This policy contains invalid Json');
      fail(['create-role', '--role-name', 'x', '--assume-role-policy-document', file('other.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/ghost` }, Action: 'sts:AssumeRole' }] })],
        'MalformedPolicyDocument', 'CreateRole', `Invalid principal in policy: "AWS":"arn:aws:iam::${account}:role/ghost"`);
      const huge = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: Array.from({ length: 120 }, (_, i) => `svc${i}.amazonaws.com`) }, Action: 'sts:AssumeRole' }] };
      fail(['create-role', '--role-name', 'x', '--assume-role-policy-document', file('huge.json', huge)], 'LimitExceeded', 'CreateRole', 'Cannot exceed quota for ACLSizePerRole: 2048');
      fail(['update-assume-role-policy', '--role-name', 'plain', '--policy-document', file('s3.json', S3_READ)], 'MalformedPolicyDocument', 'UpdateAssumeRolePolicy', 'Has prohibited field Resource');
      fail(['put-role-policy', '--role-name', 'plain', '--policy-name', 'p', '--policy-document', trust], 'MalformedPolicyDocument', 'PutRolePolicy', 'Policy document should not specify a principal.');
      fail(['put-role-policy', '--role-name', 'ghost', '--policy-name', 'p', '--policy-document', file('s3.json', S3_READ)], 'NoSuchEntity', 'PutRolePolicy', 'The role with name ghost cannot be found.');
      fail(['get-role-policy', '--role-name', 'plain', '--policy-name', 'nope'], 'NoSuchEntity', 'GetRolePolicy', 'The role policy with name nope cannot be found.');
      fail(['delete-role-policy', '--role-name', 'plain', '--policy-name', 'nope'], 'NoSuchEntity', 'DeleteRolePolicy', 'The role policy with name nope cannot be found.');
      fail(['attach-role-policy', '--role-name', 'plain', '--policy-arn', 'arn:aws:iam::aws:policy/NoSuchPolicy'], 'NoSuchEntity', 'AttachRolePolicy',
        'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.');
      fail(['attach-role-policy', '--role-name', 'plain', '--policy-arn', 'not-an-arn-at-all-really'], 'InvalidInput', 'AttachRolePolicy', 'ARN not-an-arn-at-all-really is not valid.');
      fail(['detach-role-policy', '--role-name', 'plain', '--policy-arn', LOGS_POLICY], 'NoSuchEntity', 'DetachRolePolicy', `Policy ${LOGS_POLICY} was not found.`);
      fail(['delete-role', '--role-name', 'ghost'], 'NoSuchEntity', 'DeleteRole', 'The role with name ghost cannot be found.');
      fail(['get-policy', '--policy-arn', 'arn:aws:iam::aws:policy/NoSuchPolicy'], 'NoSuchEntity', 'GetPolicy', 'Policy arn:aws:iam::aws:policy/NoSuchPolicy was not found.');
      assert.deepEqual(snapshot(), before_, 'a refused call changed state');
    });

    test('sts assume-role: credentials that sign as the role session; roles that do not trust the caller are refused', () => {
      const ci = iam(['create-role', '--role-name', 'ci', '--assume-role-policy-document',
        file('ci.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }] })]).Role;
      const out = aws.ok(['assume-role', '--role-arn', ci.Arn, '--role-session-name', 'build-7', '--duration-seconds', '900'], 'sts');
      assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.ok(Math.abs(Date.parse(out.Credentials.Expiration) - (Date.now() + 900_000)) < 60_000);
      assert.deepEqual(out.AssumedRoleUser, { AssumedRoleId: `${ci.RoleId}:build-7`, Arn: `arn:aws:sts::${account}:assumed-role/ci/build-7` });
      const session = { ...pier.awsEnv(), AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey, AWS_SESSION_TOKEN: out.Credentials.SessionToken };
      const asRole = new Aws(cli, { ...pier, awsEnv: () => session });
      assert.deepEqual(asRole.ok(['get-caller-identity'], 'sts'), { UserId: `${ci.RoleId}:build-7`, Account: account, Arn: out.AssumedRoleUser.Arn });
      assert.ok(iam(['get-role', '--role-name', 'ci']).Role.RoleLastUsed.LastUsedDate, 'the role records its last use');

      aws.fail(['assume-role', '--role-arn', `arn:aws:iam::${account}:role/plain`, '--role-session-name', 'x1'], 'AccessDenied', 'AssumeRole',
        `User: arn:aws:iam::${account}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/plain`, 'sts');
      aws.fail(['assume-role', '--role-arn', ci.Arn, '--role-session-name', 'x1', '--duration-seconds', '7200'], 'ValidationError', 'AssumeRole',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 'sts');
    });

    testV2('roles survive a restart; pier reset removes them', async () => {
      await pier.stop();
      pier = await startPier({ dataDir: pier.dataDir, args: ['--allow-reset'] });
      aws = new Aws(cli, pier);
      assert.deepEqual(iam(['list-roles']).Roles.map((r: any) => r.RoleName), ['batch-role', 'ci', 'db-role', 'plain']);
      execFileSync(process.execPath, [PIER_MAIN, 'reset', '--data-dir', pier.dataDir], { encoding: 'utf8' });
      assert.deepEqual(iam(['list-roles']).Roles, []);
    });
  });
}

describe('IAM and STS on the wire: raw signed Query requests', () => {
  let pier: PierProcess;
  /** One signed request; POST form body by default, or GET with the parameters in the query string. */
  const call = async (service: 'iam' | 'sts', params: Record<string, string>, method: 'POST' | 'GET' = 'POST') => {
    const form = new URLSearchParams({ Version: service === 'iam' ? '2010-05-08' : '2011-06-15', ...params }).toString();
    const url = new URL(method === 'GET' ? `/?${form}` : '/', pier.endpoint);
    const body = method === 'GET' ? '' : form;
    const headers = signRequest({
      method, host: url.host, url: `${url.pathname}${url.search}`, body,
      headers: method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    }, pier, 'us-east-1', service, Date.now());
    const res = await fetch(url, { method, headers, ...(method === 'GET' ? {} : { body }) });
    return { status: res.status, requestId: res.headers.get('x-amzn-requestid'), type: res.headers.get('content-type'), xml: await res.text() };
  };
  const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
  const trust = JSON.stringify(ECS_TASKS_TRUST);
  const error = (code: string, type = 'Sender') => new RegExp(`^<\\?xml[^>]*>\\n<ErrorResponse xmlns="${IAM_NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>[^<]*</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`);

  before(async () => {
    pier = await startPier();
  });
  after(async () => {
    await pier?.destroy();
  });

  test('results inside <XxxResult> with ResponseMetadata; documents URL-encoded; GET works like POST', async () => {
    const created = await call('iam', { Action: 'CreateRole', RoleName: 'wire', AssumeRolePolicyDocument: trust, 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' });
    assert.equal(created.status, 200, created.xml);
    assert.match(created.type ?? '', /^text\/xml/);
    assert.match(created.xml, new RegExp(`^<\\?xml[^>]*>\\n<CreateRoleResponse xmlns="${IAM_NS}"><CreateRoleResult><Role><Path>/</Path><RoleName>wire</RoleName>`
      + '<RoleId>AROA[A-Z2-7]{17}</RoleId><Arn>arn:aws:iam::\\d{12}:role/wire</Arn><CreateDate>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ</CreateDate>'
      + `<AssumeRolePolicyDocument>${encodeURIComponent(trust).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}</AssumeRolePolicyDocument>`
      + '<Tags><member><Key>k</Key><Value>v</Value></member></Tags></Role></CreateRoleResult>'
      + `<ResponseMetadata><RequestId>${created.requestId}</RequestId></ResponseMetadata></CreateRoleResponse>$`));
    const deleted = await call('iam', { Action: 'DeleteRole', RoleName: 'wire' });
    assert.equal(deleted.xml, `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteRoleResponse xmlns="${IAM_NS}"><ResponseMetadata><RequestId>${deleted.requestId}</RequestId></ResponseMetadata></DeleteRoleResponse>`);
    const me = await call('sts', { Action: 'GetCallerIdentity' }, 'GET');
    assert.equal(me.status, 200);
    assert.match(me.xml, /<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><UserId>\d{12}<\/UserId><Account>\d{12}<\/Account><Arn>arn:aws:iam::\d{12}:root<\/Arn><\/GetCallerIdentityResult>/);
  });

  test('errors in <ErrorResponse> with the HTTP status of the model\'s error shape', async () => {
    const expect = async (params: Record<string, string>, status: number, code: string, service: 'iam' | 'sts' = 'iam') => {
      const r = await call(service, params);
      assert.equal(r.status, status, `${params['Action']}: ${r.xml}`);
      assert.match(r.xml, error(code));
      return r.xml;
    };
    await expect({ Action: 'GetRole', RoleName: 'ghost' }, 404, 'NoSuchEntity');
    assert.equal((await call('iam', { Action: 'CreateRole', RoleName: 'dup', AssumeRolePolicyDocument: trust })).status, 200);
    await expect({ Action: 'CreateRole', RoleName: 'DUP', AssumeRolePolicyDocument: trust }, 409, 'EntityAlreadyExists');
    await expect({ Action: 'PutRolePolicy', RoleName: 'dup', PolicyName: 'p', PolicyDocument: trust }, 400, 'MalformedPolicyDocument');
    assert.equal((await call('iam', { Action: 'AttachRolePolicy', RoleName: 'dup', PolicyArn: EXECUTION_POLICY })).status, 200);
    await expect({ Action: 'DeleteRole', RoleName: 'dup' }, 409, 'DeleteConflict');
    await expect({ Action: 'AttachRolePolicy', RoleName: 'dup', PolicyArn: 'nonsense-but-long-enough' }, 400, 'InvalidInput');
    assert.match(await expect({ Action: 'CreateRole', AssumeRolePolicyDocument: trust }, 400, 'ValidationError'),
      /Value null at &apos;roleName&apos; failed to satisfy constraint: Member must not be null/);
    await expect({ Action: 'CreateGroup', GroupName: 'ops' }, 400, 'InvalidAction');
    await expect({ Action: 'ListRoles', MaxItems: 'many' }, 400, 'InvalidParameterValue');
    await expect({ Action: 'ListRoles', Marker: 'not-a-marker' }, 400, 'InvalidInput');
    assert.match((await call('sts', { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/x', RoleSessionName: 's1' })).xml,
      /<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code>/);
  });
});

describe('IAM and STS with the AWS SDK for JavaScript v3', () => {
  let pier: PierProcess;
  let iam: IAMClient;
  let sts: STSClient;
  const rejects = async (p: Promise<unknown>, cls: new (...args: never[]) => Error, status: number, message: string) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.equal((err as unknown as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode, status);
    assert.equal(err.message, message);
  };

  before(async () => {
    pier = await startPier();
    const config = { endpoint: pier.endpoint, region: pier.region, credentials: pier, maxAttempts: 1 };
    iam = new IAMClient(config);
    sts = new STSClient(config);
  });
  after(async () => {
    iam?.destroy();
    sts?.destroy();
    await pier?.destroy();
  });

  test('roles, policies, typed errors, a paginator, and a session from AssumeRole', async () => {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${Account}:root` }, Action: 'sts:AssumeRole' }] }, null, 1);
    for (const n of ['sdk-a', 'sdk-b', 'sdk-c']) await iam.send(new CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: trust }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'sdk-a' }));
    assert.ok(Role?.CreateDate instanceof Date);
    assert.equal(decodeURIComponent(Role.AssumeRolePolicyDocument!), trust, 'the SDK leaves the document URL-encoded, as from AWS');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'sdk-a', PolicyName: 'p', PolicyDocument: JSON.stringify(S3_READ) }));
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: 'sdk-a', PolicyName: 'p' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(inline.PolicyDocument!)), S3_READ);

    await rejects(iam.send(new GetRoleCommand({ RoleName: 'ghost' })), NoSuchEntityException, 404, 'The role with name ghost cannot be found.');
    await rejects(iam.send(new CreateRoleCommand({ RoleName: 'SDK-A', AssumeRolePolicyDocument: trust })), EntityAlreadyExistsException, 409, 'Role with name SDK-A already exists.');
    await rejects(iam.send(new CreateRoleCommand({ RoleName: 'x', AssumeRolePolicyDocument: JSON.stringify(S3_READ) })), MalformedPolicyDocumentException, 400, 'Has prohibited field Resource');
    await rejects(iam.send(new DeleteRoleCommand({ RoleName: 'sdk-a' })), DeleteConflictException, 409, 'Cannot delete entity, must delete policies first.');

    const names: string[] = [];
    for await (const page of paginateListRoles({ client: iam, pageSize: 2 }, {})) names.push(...(page.Roles ?? []).map((r) => r.RoleName!));
    assert.deepEqual(names, ['sdk-a', 'sdk-b', 'sdk-c']);

    const { Credentials, AssumedRoleUser } = await sts.send(new AssumeRoleCommand({ RoleArn: Role.Arn, RoleSessionName: 'sdk-session' }));
    assert.ok(Credentials?.Expiration instanceof Date);
    const asRole = new STSClient({ endpoint: pier.endpoint, region: pier.region, maxAttempts: 1, credentials: {
      accessKeyId: Credentials.AccessKeyId!, secretAccessKey: Credentials.SecretAccessKey!, sessionToken: Credentials.SessionToken!,
    } });
    const me = await asRole.send(new GetCallerIdentityCommand({}));
    asRole.destroy();
    assert.deepEqual([me.Arn, me.UserId], [AssumedRoleUser?.Arn, `${Role.RoleId}:sdk-session`]);
  });
});
