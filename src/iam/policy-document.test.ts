import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MalformedPolicyDocumentException } from './errors.js';
import { PolicyKind, parsePolicyDocument, policySize, urlEncodeDocument } from './policy-document.js';

const ECS_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const S3_READ = { Version: '2012-10-17', Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:List*'], Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }] };
const trust = (doc: unknown) => parsePolicyDocument(typeof doc === 'string' ? doc : JSON.stringify(doc), PolicyKind.trust);
const identity = (doc: unknown) => parsePolicyDocument(typeof doc === 'string' ? doc : JSON.stringify(doc), PolicyKind.identity);
const malformed = (message: string | RegExp) => (e: unknown) => e instanceof MalformedPolicyDocumentException && e.code === 'MalformedPolicyDocument'
  && (typeof message === 'string' ? e.message === message : message.test(e.message));
const withStatement = (base: { Version: string; Statement: Record<string, unknown>[] }, change: Record<string, unknown>) =>
  ({ ...base, Statement: [Object.fromEntries(Object.entries({ ...base.Statement[0], ...change }).filter(([, v]) => v !== undefined))] });

test('trust policies: the ECS task-role policy, a lone statement, 2008 and no Version, account and role principals, conditions', () => {
  assert.deepEqual(trust(ECS_TRUST), {
    version: '2012-10-17', statements: [{ effect: 'Allow', action: ['sts:AssumeRole'], principal: { Service: ['ecs-tasks.amazonaws.com'] } }],
  });
  assert.equal(trust({ Statement: ECS_TRUST.Statement[0] }).version, '2008-10-17');
  const doc = trust({ Version: '2008-10-17', Statement: {
    Effect: 'Allow', Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:role/ci'] }, Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: { StringEquals: { 'sts:ExternalId': 'x', 'aws:SourceAccount': 123456789012 } },
  } });
  assert.deepEqual(doc.statements[0]!.condition, { StringEquals: { 'sts:ExternalId': ['x'], 'aws:SourceAccount': ['123456789012'] } });
  assert.deepEqual(trust(withStatement(ECS_TRUST, { Principal: '*' })).statements[0]!.principal, { AWS: ['*'] });
  assert.ok(trust(withStatement(ECS_TRUST, { Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }, Action: 'sts:AssumeRoleWithWebIdentity' })));
});

test('trust policies IAM refuses: no principal, a Resource, actions other than sts:, principals that are not principals', () => {
  assert.throws(() => trust(withStatement(ECS_TRUST, { Principal: undefined })), malformed('Missing required field Principal'));
  assert.throws(() => trust(withStatement(ECS_TRUST, { Resource: '*' })), malformed('Has prohibited field Resource'));
  // An identity policy given as a trust policy: the prohibited field is what IAM reports.
  assert.throws(() => trust(S3_READ), malformed('Has prohibited field Resource'));
  assert.throws(() => trust(withStatement(ECS_TRUST, { Action: 's3:GetObject' })), malformed('AssumeRole policy may only specify STS AssumeRole actions.'));
  assert.throws(() => trust(withStatement(ECS_TRUST, { Principal: { Service: 'ecs-tasks' } })), malformed('Invalid principal in policy: "SERVICE":"ecs-tasks"'));
  assert.throws(() => trust(withStatement(ECS_TRUST, { Principal: { AWS: 'alice' } })), malformed('Invalid principal in policy: "AWS":"alice"'));
  assert.throws(() => trust(withStatement(ECS_TRUST, { Principal: { Robot: 'r2d2' } })), malformed(/^Invalid principal in policy: "ROBOT"/));
  assert.throws(() => trust(withStatement(ECS_TRUST, { Principal: {} })), malformed('Syntax errors in policy.'));
});

test('identity policies: Action and Resource (or their Not forms), conditions, several statements', () => {
  assert.deepEqual(identity(S3_READ).statements, [{ sid: 'Read', effect: 'Allow', action: ['s3:GetObject', 's3:List*'], resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }]);
  const doc = identity({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    { Effect: 'Deny', NotAction: 'iam:*', NotResource: 'arn:aws:iam::*:role/x', Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*'] } } },
  ] });
  assert.equal(doc.statements.length, 2);
  assert.deepEqual(doc.statements[1]!.notAction, ['iam:*']);
});

test('identity policies IAM refuses, with its wording', () => {
  assert.throws(() => identity('{"Version": "2012-10-17", "Statement": ['), malformed('This policy contains invalid Json'));
  assert.throws(() => identity('[]'), malformed('This policy contains invalid Json'));
  assert.throws(() => identity(withStatement(S3_READ, { Principal: { AWS: '*' } })), malformed('Policy document should not specify a principal.'));
  assert.throws(() => identity(withStatement(S3_READ, { Resource: undefined })), malformed('Policy statement must contain resources.'));
  assert.throws(() => identity(withStatement(S3_READ, { Action: undefined })), malformed('Policy statement must contain actions.'));
  assert.throws(() => identity(withStatement(S3_READ, { Effect: undefined })), malformed('Missing required field Effect'));
  assert.throws(() => identity(withStatement(S3_READ, { Effect: 'allow' })), malformed('Invalid effect: allow'));
  assert.throws(() => identity(withStatement(S3_READ, { Action: 'GetObject' })), malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'));
  assert.throws(() => identity(withStatement(S3_READ, { Resource: 'my-bucket' })), malformed('Resource my-bucket must be in ARN format or "*".'));
  assert.throws(() => identity(withStatement(S3_READ, { Sid: 'read s3' })), malformed(/^Statement IDs \(SID\) must be alpha-numeric/));
  assert.throws(() => identity({ ...S3_READ, Statement: [S3_READ.Statement[0], S3_READ.Statement[0]] }), malformed('Statement IDs (SID) in a single policy must be unique.'));
  assert.throws(() => identity(withStatement(S3_READ, { Condition: { StringEqualz: { 'aws:x': 'y' } } })), malformed('Invalid Condition type : StringEqualz'));
  assert.throws(() => identity(withStatement(S3_READ, { Condition: { StringEquals: { nokey: 'y' } } })), malformed(/^Actions\/Conditions must be prefaced/));
  assert.throws(() => identity(withStatement(S3_READ, { Actions: ['s3:*'] })), malformed('Syntax errors in policy.'));
  assert.throws(() => identity(withStatement(S3_READ, { NotAction: 's3:*' })), malformed('Syntax errors in policy.'));
  assert.throws(() => identity(withStatement(S3_READ, { Action: [] })), malformed('Syntax errors in policy.'));
  assert.throws(() => identity({ ...S3_READ, Version: '2012-10-18' }), malformed(/version "2012-10-18" is not supported/));
  assert.throws(() => identity({ ...S3_READ, Extra: 1 }), malformed('Syntax errors in policy.'));
  assert.throws(() => identity({ Version: '2012-10-17' }), malformed('Missing required field Statement'));
  assert.throws(() => identity({ Version: '2012-10-17', Statement: [] }), malformed(/at least one statement/));
});

test('sizes count no white space; documents go on the wire URL-encoded per RFC 3986', () => {
  assert.equal(policySize('{ "a" :\n\t"b c" }'), 10);
  assert.equal(urlEncodeDocument('{"Action": "s3:*", "Sid": "it\'s (ok)!~"}'),
    '%7B%22Action%22%3A%20%22s3%3A%2A%22%2C%20%22Sid%22%3A%20%22it%27s%20%28ok%29%21~%22%7D');
  assert.equal(decodeURIComponent(urlEncodeDocument(JSON.stringify(ECS_TRUST, null, 2))), JSON.stringify(ECS_TRUST, null, 2));
});
