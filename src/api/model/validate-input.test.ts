import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  AwsError,
  InvalidParameterException,
  SerializationException,
  UnknownOperationException,
} from '../../ecs/errors.js';
import { ServiceModel } from './service-model.js';
import { MAX_DEPTH, validateInput, type ValidateOptions } from './validate-input.js';

const ecs = ServiceModel.fromFile(resolve(process.env['PIER_ROOT'] ?? process.cwd(), 'models/ecs-2014-11-13.json'));
const opts: ValidateOptions = { constraintError: (m) => new InvalidParameterException(m) };

function ok(op: string, body: unknown, model: ServiceModel = ecs): void {
  validateInput(model, op, body, opts);
}

function fails(op: string, body: unknown, cls: abstract new (...a: never[]) => AwsError, ...parts: (string | RegExp)[]): string {
  return failsOn(ecs, op, body, cls, ...parts);
}

function failsOn(
  model: ServiceModel,
  op: string,
  body: unknown,
  cls: abstract new (...a: never[]) => AwsError,
  ...parts: (string | RegExp)[]
): string {
  let caught: unknown;
  try {
    validateInput(model, op, body, opts);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${cls.name} for ${JSON.stringify(body)}`);
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  const message = (caught as Error).message;
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(message.includes(p), `message ${JSON.stringify(message)} lacks ${JSON.stringify(p)}`);
    else assert.match(message, p);
  }
  return message;
}

const fullContainer = {
  name: 'web',
  image: 'nginx:1.27',
  cpu: 256,
  memory: 512,
  memoryReservation: 256,
  essential: true,
  command: ['nginx', '-g', 'daemon off;'],
  entryPoint: ['/docker-entrypoint.sh'],
  workingDirectory: '/usr/share/nginx',
  user: '101:101',
  hostname: 'web',
  environment: [{ name: 'A', value: '1' }, { name: 'B' }],
  environmentFiles: [{ value: 'arn:aws:s3:::bucket/env', type: 's3' }],
  secrets: [{ name: 'PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:x' }],
  portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp', name: 'http', appProtocol: 'http' }],
  mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: false }],
  volumesFrom: [{ sourceContainer: 'sidecar', readOnly: true }],
  dependsOn: [{ containerName: 'sidecar', condition: 'START' }],
  healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 30, timeout: 5, retries: 3, startPeriod: 10 },
  logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1' } },
  dockerLabels: { 'com.example.team': 'web' },
  ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }],
  linuxParameters: { initProcessEnabled: true, capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] }, sharedMemorySize: 64 },
  resourceRequirements: [{ type: 'GPU', value: '1' }],
  restartPolicy: { enabled: true, ignoredExitCodes: [0, 137], restartAttemptPeriod: 300 },
  readonlyRootFilesystem: false,
  privileged: false,
  startTimeout: 30,
  stopTimeout: 30,
  systemControls: [{ namespace: 'net.core.somaxconn', value: '1024' }],
  extraHosts: [{ hostname: 'db', ipAddress: '10.0.0.5' }],
  repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:us-east-1:1:secret:reg' },
};

const registerBody = () => ({
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '512',
  memory: '1024',
  executionRoleArn: 'arn:aws:iam::1:role/exec',
  containerDefinitions: [structuredClone(fullContainer), { name: 'sidecar', image: 'busybox', essential: false }],
  volumes: [{ name: 'data', host: { sourcePath: '/srv/data' } }],
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  tags: [{ key: 'team', value: 'web' }],
  ephemeralStorage: { sizeInGiB: 40 },
});

// ----------------------------------------------------------------------------------------------
// Valid inputs

test('valid bodies for real ECS operations pass', () => {
  ok('RunTask', {
    cluster: 'default',
    taskDefinition: 'web:3',
    count: 2,
    launchType: 'FARGATE',
    enableExecuteCommand: true,
    startedBy: 'ci',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
    overrides: {
      cpu: '1024',
      containerOverrides: [
        { name: 'web', command: ['sh', '-c', 'echo hi'], environment: [{ name: 'X', value: 'y' }], cpu: 128, memory: 256 },
      ],
      ephemeralStorage: { sizeInGiB: 30 },
    },
    placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
    tags: [{ key: 'k', value: 'v' }],
  });
  ok('RegisterTaskDefinition', registerBody());
  ok('ListTasks', { cluster: 'default', desiredStatus: 'RUNNING', launchType: 'EC2', maxResults: 10, family: 'web' });
  ok('ListTasks', {});
  ok('DescribeClusters', { clusters: ['default', 'prod'], include: ['ATTACHMENTS', 'SETTINGS', 'STATISTICS', 'TAGS'] });
  ok('DescribeTasks', { cluster: 'default', tasks: ['arn:aws:ecs:us-east-1:1:task/default/abc'], include: ['TAGS'] });
  ok('TagResource', { resourceArn: 'arn', tags: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: '' })) });
  ok('CreateCluster', { clusterName: 'c', settings: [{ name: 'containerInsights', value: 'enabled' }] });
});

test('null member values are treated as absent; unknown members are ignored', () => {
  ok('RunTask', { taskDefinition: 'web', cluster: null, count: null, overrides: null, launchType: null });
  ok('RunTask', { taskDefinition: 'web', somethingNew: { deeply: ['anything', 1, true] }, __proto__x: 1 });
  ok('DescribeClusters', { bogusMember: 'NOPE', include: null });
  // a JSON "__proto__" key is an own property after JSON.parse; it must not confuse member lookup
  ok('ListTasks', JSON.parse('{"__proto__": {"cluster": 5}, "constructor": 1, "toString": []}'));
  fails('RunTask', { taskDefinition: null }, InvalidParameterException, "Value null at 'taskDefinition'");
});

test('operations are matched by name only; unknown operations are rejected', () => {
  assert.throws(() => ok('NoSuchOperation', {}), UnknownOperationException);
  assert.throws(() => ok('toString', {}), UnknownOperationException);
});

// ----------------------------------------------------------------------------------------------
// Body shape

test('non-object bodies are rejected with SerializationException', () => {
  for (const body of [null, undefined, 'x', 3, true, []]) {
    fails('ListClusters', body, SerializationException);
    fails('DescribeTasks', body, SerializationException);
  }
  fails('ListClusters', [], SerializationException, 'Start of list found where not expected.');
});

test('operations with an all-optional input accept {}', () => {
  ok('ListClusters', {});
  ok('DescribeClusters', {});
  ok('ListAccountSettings', {});
  ok('DiscoverPollEndpoint', {});
});

// ----------------------------------------------------------------------------------------------
// Type mismatches

test('wrong JSON types throw SerializationException naming the path', () => {
  fails('RunTask', { taskDefinition: 1 }, SerializationException, "NUMBER_VALUE can not be converted to a String at 'taskDefinition'");
  fails('RunTask', { taskDefinition: 'x', count: '2' }, SerializationException, "STRING_VALUE can not be converted to an Integer at 'count'");
  fails('RunTask', { taskDefinition: 'x', enableExecuteCommand: 'true' }, SerializationException, "STRING_VALUE can not be converted to a Boolean at 'enableExecuteCommand'");
  fails('RunTask', { taskDefinition: 'x', enableExecuteCommand: 1 }, SerializationException, 'to a Boolean');
  fails('RunTask', { taskDefinition: { arn: 'x' } }, SerializationException, "Start of structure or map found where not expected. at 'taskDefinition'");
  fails('RunTask', { taskDefinition: ['x'] }, SerializationException, "Start of list found where not expected. at 'taskDefinition'");
  fails('DescribeTasks', { tasks: 'arn' }, SerializationException, "Unrecognized collection type class java.lang.String at 'tasks'");
  fails('DescribeTasks', { tasks: { a: 'b' } }, SerializationException, "Start of structure or map found where not expected. at 'tasks'");
  fails('DescribeTasks', { tasks: ['a', 7] }, SerializationException, "NUMBER_VALUE can not be converted to a String at 'tasks.1'");
  fails('RunTask', { taskDefinition: 'x', overrides: 'nope' }, SerializationException, "STRING_VALUE can not be converted to a Structure at 'overrides'");
  fails('RunTask', { taskDefinition: 'x', overrides: [] }, SerializationException, "Start of list found where not expected. at 'overrides'");
});

test('wrong types deep inside lists and maps name the full path', () => {
  const body = registerBody();
  (body.containerDefinitions[0] as Record<string, unknown>)['cpu'] = 'lots';
  fails('RegisterTaskDefinition', body, SerializationException, "STRING_VALUE can not be converted to an Integer at 'containerDefinitions.0.cpu'");

  const body2 = registerBody();
  (body2.containerDefinitions[0] as typeof fullContainer).portMappings[0]!.containerPort = '80' as unknown as number;
  fails('RegisterTaskDefinition', body2, SerializationException, "at 'containerDefinitions.0.portMappings.0.containerPort'");

  const body3 = registerBody();
  (body3.containerDefinitions[1] as Record<string, unknown>)['dockerLabels'] = { good: 'x', bad: 5 };
  fails('RegisterTaskDefinition', body3, SerializationException, "NUMBER_VALUE can not be converted to a String at 'containerDefinitions.1.dockerLabels.bad'");

  const body4 = registerBody();
  (body4.containerDefinitions[1] as Record<string, unknown>)['dockerLabels'] = ['x'];
  fails('RegisterTaskDefinition', body4, SerializationException, "Start of list found where not expected. at 'containerDefinitions.1.dockerLabels'");
});

test('a fraction for an integer is a SerializationException; so is an int32 overflow', () => {
  const body = registerBody();
  (body.containerDefinitions[0] as Record<string, unknown>)['memory'] = 512.5;
  fails('RegisterTaskDefinition', body, SerializationException, '512.5', 'an Integer', "at 'containerDefinitions.0.memory'");
  fails('ListTasks', { maxResults: 1.0000001 }, SerializationException, "at 'maxResults'");
  ok('ListTasks', { maxResults: 1.0 }); // 1.0 parses to the integer 1
  fails('ListTasks', { maxResults: 2 ** 31 }, SerializationException, 'out of range', "at 'maxResults'");
  ok('ListTasks', { maxResults: 2 ** 31 - 1 });
});

test('the first type mismatch wins over collected constraint violations', () => {
  fails('RunTask', { launchType: 'BOGUS', count: 'x' }, SerializationException, "at 'count'");
});

// ----------------------------------------------------------------------------------------------
// Constraint violations

test('missing required member at top level', () => {
  const m = fails(
    'RunTask',
    {},
    InvalidParameterException,
    "1 validation error detected: Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null",
  );
  assert.equal(m, "1 validation error detected: Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null");
  fails('DescribeTasks', { cluster: 'c' }, InvalidParameterException, "Value null at 'tasks'");
});

test('missing required member at depth inside a list element', () => {
  const body = registerBody();
  (body.containerDefinitions[0] as typeof fullContainer).ulimits = [
    { name: 'nofile', softLimit: 1, hardLimit: 2 },
    { name: 'nproc', hardLimit: 2 } as never,
  ];
  fails(
    'RegisterTaskDefinition',
    body,
    InvalidParameterException,
    "Value null at 'containerDefinitions.0.ulimits.1.softLimit' failed to satisfy constraint: Member must not be null",
  );
  fails(
    'RunTask',
    { taskDefinition: 't', networkConfiguration: { awsvpcConfiguration: { securityGroups: ['sg'] } } },
    InvalidParameterException,
    "Value null at 'networkConfiguration.awsvpcConfiguration.subnets'",
  );
});

test('null list elements and null map values are violations', () => {
  fails('DescribeTasks', { tasks: ['a', null] }, InvalidParameterException, "Value null at 'tasks.1' failed to satisfy constraint: Member must not be null");
  const body = registerBody();
  (body.containerDefinitions[1] as Record<string, unknown>)['dockerLabels'] = { a: null };
  fails('RegisterTaskDefinition', body, InvalidParameterException, "Value null at 'containerDefinitions.1.dockerLabels.a'");
});

test('list longer than max, string length limits', () => {
  const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  fails(
    'TagResource',
    { resourceArn: 'arn', tags },
    InvalidParameterException,
    "Value with 51 elements at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
  );
  fails('TagResource', { resourceArn: 'arn', tags: [{ key: '', value: 'v' }] }, InvalidParameterException,
    "Value '' at 'tags.0.key' failed to satisfy constraint: Member must have length greater than or equal to 1");
  fails('TagResource', { resourceArn: 'arn', tags: [{ key: 'k'.repeat(129) }] }, InvalidParameterException,
    "at 'tags.0.key' failed to satisfy constraint: Member must have length less than or equal to 128");
  // 128 astral characters are 256 UTF-16 units but 128 code points: allowed
  ok('TagResource', { resourceArn: 'arn', tags: [{ key: '\u{1F600}'.repeat(128) }] });
  fails('TagResource', { resourceArn: 'arn', tags: [{ key: '\u{1F600}'.repeat(129) }] }, InvalidParameterException, "'tags.0.key'");
});

test('numbers outside min/max', () => {
  fails('RunTask', { taskDefinition: 't', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1001 }] }, InvalidParameterException,
    "Value '1001' at 'capacityProviderStrategy.0.weight' failed to satisfy constraint: Member must have value less than or equal to 1000");
  fails('RunTask', { taskDefinition: 't', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: -1 }] }, InvalidParameterException,
    "Value '-1' at 'capacityProviderStrategy.0.base' failed to satisfy constraint: Member must have value greater than or equal to 0");
  ok('RunTask', { taskDefinition: 't', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 0, weight: 1000 }] });
});

test('enum violations', () => {
  fails('RunTask', { taskDefinition: 't', launchType: 'BOGUS' }, InvalidParameterException,
    "Value 'BOGUS' at 'launchType' failed to satisfy constraint: Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL",
  );
  fails('DescribeClusters', { include: ['TAGS', 'NOPE'] }, InvalidParameterException,
    "Value 'NOPE' at 'include.1' failed to satisfy constraint: Member must satisfy enum value set: [ATTACHMENTS, CONFIGURATIONS, SETTINGS, STATISTICS, TAGS]");
  fails('ListTasks', { desiredStatus: 'running' }, InvalidParameterException, "'desiredStatus'");
  const body = registerBody();
  (body.containerDefinitions[0] as typeof fullContainer).logConfiguration.logDriver = 'loki';
  fails('RegisterTaskDefinition', body, InvalidParameterException, "Value 'loki' at 'containerDefinitions.0.logConfiguration.logDriver'");
  // enum checks can be switched off by the caller
  validateInput(ecs, 'RunTask', { taskDefinition: 't', launchType: 'BOGUS' }, { ...opts, checkEnums: false });
});

test('several violations are reported together, at most five spelled out', () => {
  const two = fails('RunTask', { launchType: 'BOGUS' }, InvalidParameterException, /^2 validation errors detected: /);
  assert.ok(two.includes("at 'launchType'") && two.includes("at 'taskDefinition'"), two);
  assert.equal(two.split('; ').length, 2);

  const many = fails('DescribeClusters', { include: ['A', 'B', 'C', 'D', 'E', 'F', 'G'] }, InvalidParameterException,
    /^7 validation errors detected: /, "'include.0'", "'include.4'", '; and 2 more');
  assert.ok(!many.includes("'include.5'"), many);
  // state does not leak into the next call
  ok('DescribeClusters', { include: ['TAGS'] });
  fails('RunTask', {}, InvalidParameterException, /^1 validation error detected: /);
});

test('the caller chooses the constraint error class', () => {
  class ValidationException extends AwsError { readonly code = 'ValidationException'; }
  assert.throws(
    () => validateInput(ecs, 'RunTask', {}, { constraintError: (m) => new ValidationException(m) }),
    (e: unknown) => e instanceof ValidationException && e.message.includes("'taskDefinition'"),
  );
});

test('sensitive values are not echoed in messages', () => {
  const sens = ServiceModel.fromJson({
    metadata: { protocol: 'json', endpointPrefix: 'x' },
    operations: { Put: { input: { shape: 'PutRequest' } } },
    shapes: {
      PutRequest: { type: 'structure', members: { secret: { shape: 'Secret' } } },
      Secret: { type: 'string', sensitive: true, max: 4 },
    },
  });
  const m = failsOn(sens, 'Put', { secret: 'hunter2' }, InvalidParameterException, "at 'secret'");
  assert.ok(!m.includes('hunter2'), m);
});

// ----------------------------------------------------------------------------------------------
// Hand-written model: maps, timestamps, blobs, booleans, doubles, longs, documents, recursion

const toy = ServiceModel.fromJson({
  metadata: { protocol: 'json', jsonVersion: '1.1', targetPrefix: 'Toy', signingName: 'toy' },
  operations: {
    Put: { name: 'Put', input: { shape: 'PutRequest' } },
    Nothing: { name: 'Nothing' },
  },
  shapes: {
    PutRequest: {
      type: 'structure',
      required: ['id'],
      members: {
        id: { shape: 'Id' },
        labels: { shape: 'Labels' },
        when: { shape: 'Time' },
        payload: { shape: 'Payload' },
        flag: { shape: 'Bool' },
        ratio: { shape: 'Ratio' },
        big: { shape: 'Big' },
        tree: { shape: 'Tree' },
        doc: { shape: 'Doc' },
        renamed: { shape: 'Id', locationName: 'Renamed' },
      },
    },
    Id: { type: 'string', min: 1, max: 8 },
    Labels: { type: 'map', key: { shape: 'LabelKey' }, value: { shape: 'Count' }, max: 2 },
    LabelKey: { type: 'string', min: 2, enum: ['aa', 'bb', 'c'] },
    Count: { type: 'integer', min: 0 },
    Time: { type: 'timestamp' },
    Payload: { type: 'blob', max: 3 },
    Bool: { type: 'boolean' },
    Ratio: { type: 'double', min: 0, max: 1 },
    Big: { type: 'long' },
    Tree: { type: 'structure', required: ['name'], members: { name: { shape: 'Id' }, children: { shape: 'Trees' } } },
    Trees: { type: 'list', member: { shape: 'Tree' }, min: 1 },
    Doc: { type: 'structure', document: true, members: {} },
  },
});

const put = (extra: Record<string, unknown>) => ({ id: 'x', ...extra });

test('toy model: no-input operations accept {} but not non-objects', () => {
  ok('Nothing', {}, toy);
  ok('Nothing', { anything: 1 }, toy);
  failsOn(toy, 'Nothing', 'x', SerializationException);
});

test('toy model: maps check values, key constraints and entry count', () => {
  ok('Put', put({ labels: { aa: 1, bb: 0 } }), toy);
  failsOn(toy, 'Put', put({ labels: { aa: -1 } }), InvalidParameterException, "Value '-1' at 'labels.aa'", 'greater than or equal to 0');
  failsOn(toy, 'Put', put({ labels: { aa: 'one' } }), SerializationException, "STRING_VALUE can not be converted to an Integer at 'labels.aa'");
  failsOn(toy, 'Put', put({ labels: { zz: 1 } }), InvalidParameterException, "Value 'zz' at 'labels'", 'Map key must satisfy enum value set: [aa, bb, c]');
  failsOn(toy, 'Put', put({ labels: { c: 1 } }), InvalidParameterException, "Value 'c' at 'labels'", 'Map key must have length greater than or equal to 2');
  failsOn(toy, 'Put', put({ labels: { aa: 1, bb: 2, c: 3 } }), InvalidParameterException, "at 'labels' failed", 'less than or equal to 2');
  failsOn(toy, 'Put', put({ labels: 'x' }), SerializationException, "STRING_VALUE can not be converted to a Map at 'labels'");
  failsOn(toy, 'Put', put({ labels: [] }), SerializationException, "Start of list found where not expected. at 'labels'");
});

test('toy model: timestamps accept epoch seconds and ISO strings', () => {
  ok('Put', put({ when: 1700000000 }), toy);
  ok('Put', put({ when: 1700000000.123 }), toy);
  ok('Put', put({ when: '2024-01-02T03:04:05Z' }), toy);
  ok('Put', put({ when: '2024-01-02T03:04:05.123+01:00' }), toy);
  ok('Put', put({ when: '1700000000' }), toy);
  failsOn(toy, 'Put', put({ when: 'yesterday' }), SerializationException, "can not be converted to a Timestamp at 'when'");
  failsOn(toy, 'Put', put({ when: '2024-13-45T99:99:99Z' }), SerializationException, "at 'when'");
  failsOn(toy, 'Put', put({ when: true }), SerializationException, "TRUE_VALUE can not be converted to a Timestamp at 'when'");
  failsOn(toy, 'Put', put({ when: {} }), SerializationException, "at 'when'");
});

test('toy model: blobs must be base64; max counts decoded bytes', () => {
  ok('Put', put({ payload: '' }), toy);
  ok('Put', put({ payload: 'YWJj' }), toy); // "abc"
  ok('Put', put({ payload: 'YQ==' }), toy);
  ok('Put', put({ payload: 'YWI' }), toy); // unpadded "ab"
  failsOn(toy, 'Put', put({ payload: 'YWJjZA==' }), InvalidParameterException, "at 'payload'", 'less than or equal to 3'); // 4 bytes
  failsOn(toy, 'Put', put({ payload: 'not base64!' }), SerializationException, "at 'payload'");
  failsOn(toy, 'Put', put({ payload: 'YQ=' }), SerializationException, "at 'payload'");
  failsOn(toy, 'Put', put({ payload: 'Y' }), SerializationException, "at 'payload'");
  failsOn(toy, 'Put', put({ payload: 5 }), SerializationException, "NUMBER_VALUE can not be converted to a Blob at 'payload'");
});

test('toy model: booleans, doubles and longs', () => {
  ok('Put', put({ flag: false, ratio: 0.5, big: 2 ** 53 }), toy);
  ok('Put', put({ ratio: 1, big: -(2 ** 62) }), toy);
  failsOn(toy, 'Put', put({ flag: 'false' }), SerializationException, "STRING_VALUE can not be converted to a Boolean at 'flag'");
  failsOn(toy, 'Put', put({ flag: 0 }), SerializationException, "NUMBER_VALUE can not be converted to a Boolean at 'flag'");
  failsOn(toy, 'Put', put({ ratio: '0.5' }), SerializationException, "STRING_VALUE can not be converted to a Double at 'ratio'");
  failsOn(toy, 'Put', put({ ratio: 1.5 }), InvalidParameterException, "Value '1.5' at 'ratio'", 'less than or equal to 1');
  failsOn(toy, 'Put', put({ big: 1.5 }), SerializationException, "can not be converted to a Long", "at 'big'");
  failsOn(toy, 'Put', put({ big: 2 ** 64 }), SerializationException, 'out of range', "at 'big'");
});

test('toy model: documents accept any JSON value; locationName is the wire name', () => {
  for (const doc of [1, 'x', true, [1, { a: null }], { nested: { deep: [1, 2] } }]) ok('Put', put({ doc }), toy);
  failsOn(toy, 'Put', put({ Renamed: '' }), InvalidParameterException, "Value '' at 'Renamed'");
  ok('Put', put({ renamed: '' }), toy); // not the wire name: an unknown member, ignored
});

test('toy model: recursive shapes validate at every level and deep nesting is bounded', () => {
  ok('Put', put({ tree: { name: 'root', children: [{ name: 'a', children: [{ name: 'b' }] }, { name: 'c' }] } }), toy);
  failsOn(toy, 'Put', put({ tree: { name: 'root', children: [{ name: 'a', children: [{ children: [] }] }] } }), InvalidParameterException,
    /^2 validation errors detected: /,
    "Value with 0 elements at 'tree.children.0.children.0.children' failed to satisfy constraint: Member must have length greater than or equal to 1",
    "Value null at 'tree.children.0.children.0.name'");
  failsOn(toy, 'Put', put({ tree: { name: 'r', children: [{ name: 'a', children: [{ name: 5 }] }] } }), SerializationException,
    "at 'tree.children.0.children.0.name'");

  let tree: Record<string, unknown> = { name: 'leaf' };
  for (let i = 0; i < MAX_DEPTH; i++) tree = { name: 'n', children: [tree] };
  failsOn(toy, 'Put', put({ tree }), SerializationException, 'nested');
  let shallow: Record<string, unknown> = { name: 'leaf' };
  for (let i = 0; i < 20; i++) shallow = { name: 'n', children: [shallow] };
  ok('Put', put({ tree: shallow }), toy);
});
