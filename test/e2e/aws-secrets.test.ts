/**
 * Secrets Manager and SSM Parameter Store against a real `pier up`: AWS CLI v2 (/usr/bin/aws) for
 * the everyday paths users type, the JavaScript SDK v3 for the catalogues (staging labels, list
 * filters and pages, deletion and restore, parameter versions, paths and filters, refusals that
 * change nothing). Finally the database file is read byte by byte: no secret value is in it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand,
  RestoreSecretCommand, SecretsManagerClient, UpdateSecretCommand, paginateListSecrets, type ListSecretsCommandInput,
} from '@aws-sdk/client-secrets-manager';
import {
  DeleteParameterCommand, DeleteParametersCommand, DescribeParametersCommand, GetParameterCommand, GetParametersByPathCommand, GetParametersCommand,
  PutParameterCommand, SSMClient, paginateDescribeParameters, paginateGetParametersByPath, type DescribeParametersCommandInput,
} from '@aws-sdk/client-ssm';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli } from './aws-cli-support.test.js';

/** Values that must never reach the database file in plain text. */
const PLAIN = { db: 'pw-Zq81-first', db2: 'pw-Zq81-second', bin: 'bin-Zq81-bytes', token: 'tok-Zq81-secure' };

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('Secrets Manager and Parameter Store', () => {
  let pier: PierProcess;
  let aws: Aws;
  let sm: SecretsManagerClient;
  let ssm: SSMClient;

  before(async () => {
    pier = await startPier();
    aws = new Aws(debianCli(), pier);
    const target = { endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey } };
    sm = new SecretsManagerClient(target);
    ssm = new SSMClient(target);
  });
  after(async () => {
    sm?.destroy();
    ssm?.destroy();
    await pier?.destroy();
  });

  test('CLI v2: create with tags, read, put a new value, describe the labels, refuse a bad recovery window', () => {
    const created = aws.ok(['create-secret', '--name', 'prod/db', '--secret-string', JSON.stringify({ user: 'app', password: PLAIN.db }),
      '--tags', 'Key=team,Value=core'], 'secretsmanager');
    assert.match(created.ARN, new RegExp(`^arn:aws:secretsmanager:${pier.region}:\\d{12}:secret:prod/db-[A-Za-z0-9]{6}$`));
    const got = aws.ok(['get-secret-value', '--secret-id', 'prod/db'], 'secretsmanager');
    assert.equal(JSON.parse(got.SecretString).password, PLAIN.db);
    assert.deepEqual(got.VersionStages, ['AWSCURRENT']);
    assert.equal(got.VersionId, created.VersionId);
    const put = aws.ok(['put-secret-value', '--secret-id', created.ARN, '--secret-string', JSON.stringify({ user: 'app', password: PLAIN.db2 })], 'secretsmanager');
    const described = aws.ok(['describe-secret', '--secret-id', 'prod/db'], 'secretsmanager');
    assert.deepEqual(described.VersionIdsToStages, { [created.VersionId]: ['AWSPREVIOUS'], [put.VersionId]: ['AWSCURRENT'] });
    assert.deepEqual(described.Tags, [{ Key: 'team', Value: 'core' }]);
    aws.fail(['delete-secret', '--secret-id', 'prod/db', '--recovery-window-in-days', '3'], 'InvalidParameterException', 'DeleteSecret',
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).', 'secretsmanager');
  });

  test('CLI v2: SecureString parameters come back as ciphertext unless decrypted; versions by selector', () => {
    assert.deepEqual(aws.ok(['put-parameter', '--name', '/app/prod/token', '--type', 'SecureString', '--value', PLAIN.token], 'ssm'), { Version: 1, Tier: 'Standard' });
    const hidden = aws.ok(['get-parameter', '--name', '/app/prod/token'], 'ssm').Parameter;
    assert.notEqual(hidden.Value, PLAIN.token);
    assert.match(hidden.Value, /^[A-Za-z0-9+/]+=*$/);
    assert.ok(!Buffer.from(hidden.Value, 'base64').toString('latin1').includes(PLAIN.token));
    const shown = aws.ok(['get-parameter', '--name', '/app/prod/token:1', '--with-decryption'], 'ssm').Parameter;
    assert.equal(shown.Value, PLAIN.token);
    assert.equal(shown.Selector, ':1');
    assert.match(shown.ARN, /^arn:aws:ssm:[a-z0-9-]+:\d{12}:parameter\/app\/prod\/token$/);
  });

  test('SDK: staging labels move with PutSecretValue and UpdateSecret; AWSPENDING moves alone; ClientRequestToken retries are idempotent', async () => {
    const token = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const c = await sm.send(new CreateSecretCommand({ Name: 'svc/key', SecretBinary: Buffer.from(PLAIN.bin), ClientRequestToken: token(1), Description: 'api key' }));
    assert.equal(c.VersionId, token(1));
    const again = await sm.send(new CreateSecretCommand({ Name: 'svc/key', SecretBinary: Buffer.from(PLAIN.bin), ClientRequestToken: token(1) }));
    assert.deepEqual([again.ARN, again.VersionId], [c.ARN, token(1)], 'a retried create answers as the first');
    assert.equal(Buffer.from((await sm.send(new GetSecretValueCommand({ SecretId: c.ARN }))).SecretBinary!).toString(), PLAIN.bin);
    await sm.send(new PutSecretValueCommand({ SecretId: 'svc/key', SecretString: 'pending', VersionStages: ['AWSPENDING'], ClientRequestToken: token(2) }));
    await sm.send(new UpdateSecretCommand({ SecretId: 'svc/key', SecretString: 'v3', ClientRequestToken: token(3) }));
    const retried = await sm.send(new PutSecretValueCommand({ SecretId: 'svc/key', SecretString: 'pending', ClientRequestToken: token(2) }));
    assert.deepEqual(retried.VersionStages, ['AWSPENDING']);
    await rejects(sm.send(new PutSecretValueCommand({ SecretId: 'svc/key', SecretString: 'other', ClientRequestToken: token(2) })), 'ResourceExistsException');
    const d = await sm.send(new DescribeSecretCommand({ SecretId: c.ARN!.slice(0, -7) }));
    assert.deepEqual(d.VersionIdsToStages, { [token(1)]: ['AWSPREVIOUS'], [token(2)]: ['AWSPENDING'], [token(3)]: ['AWSCURRENT'] });
    assert.equal(d.Description, 'api key');
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'svc/key', VersionStage: 'AWSPENDING' }))).SecretString, 'pending');
    await rejects(sm.send(new GetSecretValueCommand({ SecretId: 'svc/key', VersionId: token(1), VersionStage: 'AWSCURRENT' })), 'InvalidRequestException',
      'You provided a VersionStage that is not associated to the provided VersionId.');
    await rejects(sm.send(new PutSecretValueCommand({ SecretId: 'svc/key', SecretString: 'a', SecretBinary: Buffer.from('b') })), 'InvalidParameterException');
    await rejects(sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: 'x' })), 'ResourceExistsException',
      'The operation failed because the secret prod/db already exists.');
    await rejects(sm.send(new GetSecretValueCommand({ SecretId: 'nope' })), 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    await rejects(sm.send(new CreateSecretCommand({ Name: 'bad name!' })), 'ValidationException');
    const unchanged = await sm.send(new DescribeSecretCommand({ SecretId: 'svc/key' }));
    assert.deepEqual(unchanged.VersionIdsToStages, d.VersionIdsToStages, 'refusals changed nothing');
  });

  test('SDK: list filters, order and pages; deletion hides the value until restored; forced deletion frees the name', async () => {
    for (const n of ['list/a', 'list/b', 'list/c']) await sm.send(new CreateSecretCommand({ Name: n, SecretString: 'x', Tags: [{ Key: 'env', Value: n === 'list/b' ? 'prod' : 'dev' }] }));
    const names = async (input: ListSecretsCommandInput): Promise<string[]> =>
      ((await sm.send(new ListSecretsCommand(input))).SecretList ?? []).map((s) => s.Name!);
    assert.deepEqual(await names({ Filters: [{ Key: 'name', Values: ['list/'] }], SortBy: 'name' }), ['list/a', 'list/b', 'list/c']);
    assert.deepEqual(await names({ Filters: [{ Key: 'name', Values: ['list/'] }, { Key: 'tag-value', Values: ['!prod'] }], SortBy: 'name', SortOrder: 'desc' }), ['list/c', 'list/a']);
    assert.deepEqual(await names({ Filters: [{ Key: 'description', Values: ['API'] }] }), ['svc/key'], 'description matches without case');
    const paged: string[] = [];
    for await (const page of paginateListSecrets({ client: sm, pageSize: 2 }, { Filters: [{ Key: 'name', Values: ['list/'] }], SortBy: 'name' })) {
      assert.ok((page.SecretList ?? []).length <= 2);
      paged.push(...(page.SecretList ?? []).map((s) => s.Name!));
    }
    assert.deepEqual(paged, ['list/a', 'list/b', 'list/c']);
    await rejects(sm.send(new ListSecretsCommand({ NextToken: 'garbage' })), 'InvalidNextTokenException');

    const del = await sm.send(new DeleteSecretCommand({ SecretId: 'list/a', RecoveryWindowInDays: 7 }));
    assert.ok(Math.abs(del.DeletionDate!.getTime() - (Date.now() + 7 * 86_400_000)) < 60_000);
    await rejects(sm.send(new GetSecretValueCommand({ SecretId: 'list/a' })), 'InvalidRequestException',
      "You can't perform this operation on the secret because it was marked for deletion.");
    await rejects(sm.send(new CreateSecretCommand({ Name: 'list/a', SecretString: 'y' })), 'InvalidRequestException');
    assert.ok((await sm.send(new DescribeSecretCommand({ SecretId: 'list/a' }))).DeletedDate);
    assert.deepEqual(await names({ Filters: [{ Key: 'name', Values: ['list/'] }], SortBy: 'name' }), ['list/b', 'list/c']);
    assert.deepEqual(await names({ Filters: [{ Key: 'name', Values: ['list/'] }], SortBy: 'name', IncludePlannedDeletion: true }), ['list/a', 'list/b', 'list/c']);
    await sm.send(new RestoreSecretCommand({ SecretId: 'list/a' }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'list/a' }))).SecretString, 'x');
    await rejects(sm.send(new DeleteSecretCommand({ SecretId: 'list/a', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })), 'InvalidParameterException');
    await sm.send(new DeleteSecretCommand({ SecretId: 'list/a', ForceDeleteWithoutRecovery: true }));
    await rejects(sm.send(new DescribeSecretCommand({ SecretId: 'list/a' })), 'ResourceNotFoundException');
    const recreated = await sm.send(new CreateSecretCommand({ Name: 'list/a', SecretString: 'z' }));
    assert.match(recreated.ARN!, /list\/a-[A-Za-z0-9]{6}$/);
  });

  test('SDK: parameter versions, StringList, GetParameters, paths with pages, DescribeParameters filters, deletes, refusals', async () => {
    for (const [name, value] of [['/app/prod/db/host', 'db.internal'], ['/app/prod/db/port', '5432'], ['/app/prod/name', 'shop'], ['/app/dev/name', 'shop-dev'], ['plain', 'p']]) {
      await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Description: `about ${name}` }));
    }
    await ssm.send(new PutParameterCommand({ Name: '/app/prod/hosts', Value: 'a,b,c', Type: 'StringList', Tags: [{ Key: 'team', Value: 'web' }] }));
    const v2 = await ssm.send(new PutParameterCommand({ Name: '/app/prod/name', Value: 'shop-2', Overwrite: true }));
    assert.equal(v2.Version, 2);
    const p = (await ssm.send(new GetParameterCommand({ Name: '/app/prod/name' }))).Parameter!;
    assert.deepEqual([p.Value, p.Version, p.Type], ['shop-2', 2, 'String']);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/app/prod/name:1' }))).Parameter!.Value, 'shop');
    const many = await ssm.send(new GetParametersCommand({ Names: ['/app/prod/hosts', '/nope', '/app/prod/token', '/app/prod/name:9'], WithDecryption: true }));
    assert.deepEqual(many.Parameters!.map((x) => [x.Name, x.Value]), [['/app/prod/hosts', 'a,b,c'], ['/app/prod/token', PLAIN.token]]);
    assert.deepEqual(many.InvalidParameters, ['/nope', '/app/prod/name:9']);

    const byPath = async (input: { Path: string; Recursive?: boolean }): Promise<string[]> => {
      const out: string[] = [];
      for await (const page of paginateGetParametersByPath({ client: ssm, pageSize: 2 }, input)) out.push(...(page.Parameters ?? []).map((x) => x.Name!));
      return out;
    };
    assert.deepEqual(await byPath({ Path: '/app/prod' }), ['/app/prod/hosts', '/app/prod/name', '/app/prod/token']);
    assert.deepEqual(await byPath({ Path: '/app/prod/', Recursive: true }), ['/app/prod/db/host', '/app/prod/db/port', '/app/prod/hosts', '/app/prod/name', '/app/prod/token']);
    const secure = (await ssm.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true, ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] }))).Parameters!;
    assert.deepEqual(secure.map((x) => x.Name), ['/app/prod/token']);
    assert.notEqual(secure[0]!.Value, PLAIN.token);
    await rejects(ssm.send(new GetParametersByPathCommand({ Path: '/app', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })), 'InvalidFilterKey');
    await rejects(ssm.send(new GetParametersByPathCommand({ Path: 'app' })), 'ValidationException');

    const described = async (input: DescribeParametersCommandInput): Promise<string[]> => {
      const out: string[] = [];
      for await (const page of paginateDescribeParameters({ client: ssm, pageSize: 2 }, input)) out.push(...(page.Parameters ?? []).map((x) => x.Name!));
      return out;
    };
    assert.deepEqual(await described({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/app/prod'] }, { Key: 'Type', Values: ['String'] }] }),
      ['/app/prod/db/host', '/app/prod/db/port', '/app/prod/name']);
    assert.deepEqual(await described({ ParameterFilters: [{ Key: 'Name', Option: 'Contains', Values: ['dev'] }] }), ['/app/dev/name']);
    assert.deepEqual(await described({ Filters: [{ Key: 'Name', Values: ['pla'] }] }), ['plain']);
    assert.deepEqual(await described({ ParameterFilters: [{ Key: 'tag:team', Values: ['web'] }] }), ['/app/prod/hosts']);
    const meta = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/app/prod/token'] }] }))).Parameters![0]!;
    assert.deepEqual([meta.Type, meta.KeyId, meta.Version, meta.Tier], ['SecureString', 'alias/aws/ssm', 1, 'Standard']);
    assert.equal((meta as Record<string, unknown>).Value, undefined);
    await rejects(ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['a'] }], ParameterFilters: [{ Key: 'Name', Values: ['a'] }] })), 'ValidationException');
    await rejects(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Type', Option: 'Contains', Values: ['String'] }] })), 'InvalidFilterOption');

    await rejects(ssm.send(new PutParameterCommand({ Name: '/app/prod/token', Value: 'x', Type: 'String' })), 'ParameterAlreadyExists',
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    await rejects(ssm.send(new GetParameterCommand({ Name: '/app/prod/token:7' })), 'ParameterVersionNotFound',
      'Systems Manager could not find version 7 of /app/prod/token. Verify the version and try again.');
    await rejects(ssm.send(new GetParameterCommand({ Name: '/app/none' })), 'ParameterNotFound');
    await rejects(ssm.send(new PutParameterCommand({ Name: 'app/x', Value: 'v', Type: 'String' })), 'ValidationException', 'Parameter name must be a fully qualified name.');
    await rejects(ssm.send(new PutParameterCommand({ Name: '/aws/x', Value: 'v', Type: 'String' })), 'ValidationException');
    await rejects(ssm.send(new PutParameterCommand({ Name: '/new/one', Value: 'v' })), 'ValidationException', 'A parameter type is required when you create a parameter.');
    await rejects(ssm.send(new PutParameterCommand({ Name: '/app/prod/name', Value: 'v', Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] })), 'ValidationException');
    await rejects(ssm.send(new PutParameterCommand({ Name: '/new/big', Value: 'x'.repeat(4097), Type: 'String' })), 'ValidationException');
    await rejects(ssm.send(new PutParameterCommand({ Name: '/new/pat', Value: 'abc', Type: 'String', AllowedPattern: '^\\d+$' })), 'ParameterPatternMismatchException');
    await rejects(ssm.send(new PutParameterCommand({ Name: '/new/type', Value: 'v', Type: 'Number' as never })), 'ValidationException');
    assert.deepEqual(await described({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/new'] }] }), [], 'refused puts made nothing');
    assert.equal((await ssm.send(new GetParameterCommand({ Name: '/app/prod/name' }))).Parameter!.Version, 2, 'and changed nothing');

    const deleted = await ssm.send(new DeleteParametersCommand({ Names: ['/app/dev/name', 'plain', '/nope'] }));
    assert.deepEqual([deleted.DeletedParameters, deleted.InvalidParameters], [['/app/dev/name', 'plain'], ['/nope']]);
    await rejects(ssm.send(new DeleteParameterCommand({ Name: 'plain' })), 'ParameterNotFound', 'Parameter plain not found.');
  });

  test('no secret value is in the database files in plain text', () => {
    const files = readdirSync(pier.dataDir).filter((f) => f.startsWith('pier.db')).map((f) => join(pier.dataDir, f));
    assert.ok(files.length > 0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const [what, plain] of Object.entries(PLAIN)) assert.equal(bytes.includes(plain), false, `${what} (${plain}) is in the database in plain text`);
    assert.ok(bytes.includes('db.internal'), 'a String parameter is stored as it is, so the search would have found one');
    const key = statSync(join(pier.dataDir, 'secrets.key'));
    assert.equal(key.mode & 0o777, 0o600);
    assert.equal(key.size, 32);
    assert.equal(bytes.includes(readFileSync(join(pier.dataDir, 'secrets.key'))), false, 'the key is not in the database');
  });
});
