/**
 * The plain `query` flavour of the Query protocol (IAM, STS) in both directions: decoding form
 * parameters with constraint checks, and encoding results, maps, flattened lists and errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceModel } from '../model/service-model.js';
import { decodeInput, formParams } from './decode.js';
import { encodeErrorResponse, encodeResponse } from './encode.js';
import { QueryError } from './errors.js';

// dist/src/api/query → the repository root.
const iam = ServiceModel.fromFile(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'models', 'iam-2010-05-08.json'));
const decodeIam = (op: string, body: string) => decodeInput(iam, op, formParams(Buffer.from(body)));
const queryError = (code: string, message?: string | RegExp) => (e: unknown) =>
  e instanceof QueryError && e.code === code && e.status === 400
  && (message === undefined || (typeof message === 'string' ? e.message === message : message.test(e.message)));

test('query flavour: members by name, lists as Name.member.N, integers, an empty list as Name=', () => {
  assert.deepEqual(decodeIam('CreateRole', 'Action=CreateRole&Version=2010-05-08&RoleName=app&Path=%2Fteam%2F'
    + '&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=7200&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1'), {
    RoleName: 'app', Path: '/team/', AssumeRolePolicyDocument: '{}', MaxSessionDuration: 7200,
    Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }],
  });
  assert.deepEqual(decodeIam('CreateRole', 'RoleName=app&AssumeRolePolicyDocument=x&Tags='), { RoleName: 'app', AssumeRolePolicyDocument: 'x', Tags: [] });
  assert.deepEqual(decodeIam('ListPolicies', 'Scope=AWS&OnlyAttached=true&MaxItems=5'), { Scope: 'AWS', OnlyAttached: true, MaxItems: 5 });
});

test('query flavour: every constraint violation in one ValidationError, paths in lower camel case', () => {
  assert.throws(() => decodeIam('GetRole', 'Action=GetRole'),
    queryError('ValidationError', "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"));
  assert.throws(() => decodeIam('CreateRole', 'RoleName=bad%20name!&AssumeRolePolicyDocument=x&MaxSessionDuration=60'), queryError('ValidationError',
    "2 validation errors detected: Value 'bad name!' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; "
    + "Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"));
  assert.throws(() => decodeIam('GetRole', `RoleName=${'r'.repeat(65)}`),
    queryError('ValidationError', /at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64$/));
  assert.throws(() => decodeIam('CreateRole', 'RoleName=a&AssumeRolePolicyDocument=x&Path=nope'),
    queryError('ValidationError', /Value 'nope' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern/));
  assert.throws(() => decodeIam('CreateRole', 'RoleName=a&AssumeRolePolicyDocument=x&Tags.member.1.Key=k'),
    queryError('ValidationError', "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"));
  assert.throws(() => decodeIam('ListPolicies', 'Scope=Everything'),
    queryError('ValidationError', "1 validation error detected: Value 'Everything' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"));
  const tags = Array.from({ length: 51 }, (_, i) => `Tags.member.${i + 1}.Key=k${i}&Tags.member.${i + 1}.Value=v`).join('&');
  assert.throws(() => decodeIam('CreateRole', `RoleName=a&AssumeRolePolicyDocument=x&${tags}`),
    queryError('ValidationError', /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/));
});

test('query flavour: values of the wrong type and malformed list indexes', () => {
  assert.throws(() => decodeIam('ListRoles', 'MaxItems=ten'), queryError('InvalidParameterValue', 'Value (ten) for parameter MaxItems is invalid. It must be an integer.'));
  assert.throws(() => decodeIam('ListPolicies', 'OnlyAttached=yes'), queryError('InvalidParameterValue', /OnlyAttached/));
  assert.throws(() => decodeIam('CreateRole', 'RoleName=a&AssumeRolePolicyDocument=x&Tags.member.0.Key=k'), queryError('InvalidQueryParameter'));
  // EC2's flat form is not a list in this flavour: it is an unknown parameter, ignored.
  assert.deepEqual(decodeIam('CreateRole', 'RoleName=a&AssumeRolePolicyDocument=x&Tags.1.Key=k'), { RoleName: 'a', AssumeRolePolicyDocument: 'x' });
});

const synthetic = ServiceModel.fromJson({
  metadata: { protocol: 'query', apiVersion: '2020-01-01', endpointPrefix: 'demo' },
  operations: { Put: { name: 'Put', input: { shape: 'PutInput' }, output: { shape: 'PutOutput', resultWrapper: 'PutResult' } } },
  shapes: {
    PutInput: { type: 'structure', members: {
      Attributes: { shape: 'Attrs' }, Flat: { shape: 'FlatList' }, Named: { shape: 'NamedFlat' }, Renamed: { shape: 'Str', locationName: 'Other' },
      Labels: { shape: 'LabelList' },
    } },
    PutOutput: { type: 'structure', members: {
      Attributes: { shape: 'Attrs' }, Flat: { shape: 'FlatList' }, Labels: { shape: 'LabelList' }, At: { shape: 'Time' },
    } },
    Attrs: { type: 'map', key: { shape: 'Str', locationName: 'Name' }, value: { shape: 'Str', locationName: 'Value' } },
    FlatList: { type: 'list', member: { shape: 'Str' }, flattened: true },
    NamedFlat: { type: 'list', member: { shape: 'Str', locationName: 'Item' }, flattened: true },
    LabelList: { type: 'list', member: { shape: 'Str', locationName: 'Label' } },
    Str: { type: 'string' },
    Time: { type: 'timestamp' },
  },
});

test('query flavour: maps as Name.entry.N with the key and value locationNames; flattened lists; locationName members', () => {
  assert.deepEqual(decodeInput(synthetic, 'Put', formParams(Buffer.from(
    'Attributes.entry.1.Name=colour&Attributes.entry.1.Value=red&Attributes.entry.2.Name=size&Attributes.entry.2.Value=L'
    + '&Flat.1=a&Flat.2=b&Item.1=x&Other=y&Labels.Label.1=l1'))), {
    Attributes: { colour: 'red', size: 'L' }, Flat: ['a', 'b'], Named: ['x'], Renamed: 'y', Labels: ['l1'],
  });
});

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

test('query flavour: results inside <XxxResult>, ResponseMetadata, <member> lists, timestamps to the second', () => {
  const xml = encodeResponse(iam, 'GetRole', NS, 'req-1', {
    Role: {
      Path: '/', RoleName: 'app', RoleId: 'AROAEXAMPLE0000000001', Arn: 'arn:aws:iam::123456789012:role/app',
      CreateDate: Date.UTC(2026, 0, 2, 3, 4, 5, 678), AssumeRolePolicyDocument: '%7B%7D', MaxSessionDuration: 3600,
      Tags: [{ Key: 'a&b', Value: '<x>' }], RoleLastUsed: {},
    },
  });
  assert.equal(xml, `${HEAD}<GetRoleResponse xmlns="${NS}"><GetRoleResult><Role><Path>/</Path><RoleName>app</RoleName>`
    + '<RoleId>AROAEXAMPLE0000000001</RoleId><Arn>arn:aws:iam::123456789012:role/app</Arn><CreateDate>2026-01-02T03:04:05Z</CreateDate>'
    + '<AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration>'
    + '<Tags><member><Key>a&amp;b</Key><Value>&lt;x&gt;</Value></member></Tags><RoleLastUsed></RoleLastUsed></Role></GetRoleResult>'
    + '<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetRoleResponse>');
  assert.equal(encodeResponse(iam, 'ListRolePolicies', NS, 'r', { PolicyNames: [], IsTruncated: false }),
    `${HEAD}<ListRolePoliciesResponse xmlns="${NS}"><ListRolePoliciesResult><PolicyNames/><IsTruncated>false</IsTruncated></ListRolePoliciesResult>`
    + '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListRolePoliciesResponse>');
});

test('query flavour: operations without output answer only ResponseMetadata', () => {
  assert.equal(encodeResponse(iam, 'DeleteRole', NS, 'r', undefined),
    `${HEAD}<DeleteRoleResponse xmlns="${NS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>`);
});

test('query flavour: maps as <entry>, flattened lists repeat their element, list member locationNames', () => {
  assert.equal(encodeResponse(synthetic, 'Put', 'urn:demo', 'r', { Attributes: { k: 'v' }, Flat: ['a', 'b'], Labels: ['l'], At: '2026-01-01T00:00:00.000Z' }),
    `${HEAD}<PutResponse xmlns="urn:demo"><PutResult><Attributes><entry><Name>k</Name><Value>v</Value></entry></Attributes>`
    + '<Flat>a</Flat><Flat>b</Flat><Labels><Label>l</Label></Labels><At>2026-01-01T00:00:00Z</At></PutResult>'
    + '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutResponse>');
});

test('query flavour: errors in <ErrorResponse>, Sender for client faults and Receiver for ours', () => {
  assert.equal(encodeErrorResponse(NS, 'client', 'NoSuchEntity', "The role with name x'y cannot be found.", 'r'),
    `${HEAD}<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>`
    + '<Message>The role with name x&apos;y cannot be found.</Message></Error><RequestId>r</RequestId></ErrorResponse>');
  assert.match(encodeErrorResponse(NS, 'server', 'InternalFailure', 'x', 'r'), /<Type>Receiver<\/Type>/);
});
