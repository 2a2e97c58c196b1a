import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../lib/clock.js';
import { SequentialIds } from '../lib/ids.js';
import { putParameter } from '../ssm/put-parameter.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { SecretsContext } from './context.js';
import { InvalidRequestException, ResourceNotFoundException } from './errors.js';
import { jsonKeyOf, parseSecretsManagerRef, resolveValueFrom, ValueFromError } from './resolve-value-from.js';
import { deleteSecret } from './secret-lifecycle.js';
import { createSecret, putSecretValue } from './secret-writes.js';
import { SealedValueError, ValueCipher } from './value-cipher.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';

describe('valueFrom references (pure)', () => {
  test('a Secrets Manager ARN alone, and with json-key, version-stage and version-id parts (empty parts are absent)', () => {
    assert.deepEqual(parseSecretsManagerRef(ARN), { secretArn: ARN });
    assert.deepEqual(parseSecretsManagerRef(`${ARN}:password::`), { secretArn: ARN, jsonKey: 'password' });
    assert.deepEqual(parseSecretsManagerRef(`${ARN}::AWSPREVIOUS:`), { secretArn: ARN, versionStage: 'AWSPREVIOUS' });
    assert.deepEqual(parseSecretsManagerRef(`${ARN}:user::v-1`), { secretArn: ARN, jsonKey: 'user', versionId: 'v-1' });
    assert.throws(() => parseSecretsManagerRef(`${ARN}:a:b:c:d`), ValueFromError);
  });

  test('anything else is a parameter reference', () => {
    assert.equal(parseSecretsManagerRef('/app/db/url'), undefined);
    assert.equal(parseSecretsManagerRef('arn:aws:ssm:us-east-1:123456789012:parameter/app/db/url'), undefined);
  });

  test('JSON keys: strings as they are, other values as JSON, a missing key or non-JSON refused', () => {
    assert.equal(jsonKeyOf('{"a":"x","n":5,"o":{"k":1}}', 'a'), 'x');
    assert.equal(jsonKeyOf('{"a":"x","n":5,"o":{"k":1}}', 'n'), '5');
    assert.equal(jsonKeyOf('{"a":"x","n":5,"o":{"k":1}}', 'o'), '{"k":1}');
    assert.throws(() => jsonKeyOf('{"a":"x"}', 'b'), ValueFromError);
    assert.throws(() => jsonKeyOf('plain', 'a'), ValueFromError);
  });
});

describe('resolveValueFrom against a real store', () => {
  let dir: string;
  let store: SqliteStore;
  let secrets: SecretsContext;
  const clock = new ManualClock();
  const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
  const cipher = new ValueCipher(Buffer.alloc(32, 7));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pier-secrets-'));
    store = new SqliteStore(join(dir, 'pier.db'));
    secrets = { store, clock, ids: new SequentialIds(), scope, cipher, arnSuffix: () => 'AbCdEf' };
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('secrets by ARN, JSON key, stage and id; parameters by name and ARN, decrypted; nothing plain in the database', async () => {
    const first = await createSecret(secrets, { Name: 'db', SecretString: '{"user":"app","password":"s3cret-one"}' }) as { VersionId: string };
    await putSecretValue(secrets, { SecretId: 'db', SecretString: '{"user":"app","password":"s3cret-two"}' });
    const parameters = { store, clock, scope, cipher };
    await putParameter(parameters, { Name: '/app/token', Value: 'tok-plain-xyz', Type: 'SecureString' }, 'arn:aws:iam::123456789012:root');
    await putParameter(parameters, { Name: 'region', Value: 'eu-west-1', Type: 'String' }, 'arn:aws:iam::123456789012:root');
    const sources = { secrets, parameters };

    assert.equal(await resolveValueFrom(sources, ARN), '{"user":"app","password":"s3cret-two"}');
    assert.equal(await resolveValueFrom(sources, `${ARN}:password::`), 's3cret-two');
    assert.equal(await resolveValueFrom(sources, `${ARN}:password:AWSPREVIOUS:`), 's3cret-one');
    assert.equal(await resolveValueFrom(sources, `${ARN}:password::${first.VersionId}`), 's3cret-one');
    assert.equal(await resolveValueFrom(sources, '/app/token'), 'tok-plain-xyz');
    assert.equal(await resolveValueFrom(sources, 'arn:aws:ssm:us-east-1:123456789012:parameter/app/token'), 'tok-plain-xyz');
    assert.equal(await resolveValueFrom(sources, 'region'), 'eu-west-1');
    await assert.rejects(resolveValueFrom(sources, `${ARN}:nokey::`), ValueFromError);
    await assert.rejects(resolveValueFrom(sources, '/app/missing'), ValueFromError);
    await assert.rejects(resolveValueFrom(sources, ARN.replace('db-', 'other-')), ResourceNotFoundException);

    await deleteSecret(secrets, { SecretId: 'db', RecoveryWindowInDays: 7 });
    await assert.rejects(resolveValueFrom(sources, ARN), InvalidRequestException);

    await store.close();
    const bytes = Buffer.concat(['pier.db', 'pier.db-wal'].map((f) => { try { return readFileSync(join(dir, f)); } catch { return Buffer.alloc(0); } }));
    for (const plain of ['s3cret-one', 's3cret-two', 'tok-plain-xyz']) assert.equal(bytes.includes(plain), false, `${plain} is in the database file`);
    assert.ok(bytes.includes('eu-west-1'), 'String parameters are stored as they are');
    store = new SqliteStore(join(dir, 'pier.db'));
  });

  test('a sealed value opens only under its key and its context', () => {
    const sealed = cipher.seal(Buffer.from('x'), 'ctx-a');
    assert.equal(cipher.open(sealed, 'ctx-a').toString(), 'x');
    assert.throws(() => cipher.open(sealed, 'ctx-b'), SealedValueError);
    assert.throws(() => new ValueCipher(Buffer.alloc(32, 8)).open(sealed, 'ctx-a'), SealedValueError);
  });
});
