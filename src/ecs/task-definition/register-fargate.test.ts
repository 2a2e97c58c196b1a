import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientException } from '../errors.js';
import { EXECUTION_ROLE, assertRejects, fargateRequest, register, withContainer } from './test-fixtures.js';
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from './types.js';

test('Fargate requires networkMode awsvpc (omitted means bridge)', () => {
  for (const networkMode of [undefined, 'bridge', 'host', 'none'] as const) {
    assertRejects(() => register(fargateRequest({ networkMode })), ClientException, "Fargate only supports network mode 'awsvpc'.");
  }
});

test('Fargate requires task-level cpu and memory', () => {
  assertRejects(() => register(fargateRequest({ cpu: undefined })), ClientException,
    "Fargate requires that 'cpu' be defined at the task level.");
  assertRejects(() => register(fargateRequest({ memory: undefined })), ClientException,
    "Fargate requires that 'memory' be defined at the task level.");
});

test('a CPU value outside the table is "Invalid \'cpu\' setting for task."', () => {
  for (const cpu of ['128', '384', '1.5 vCPU', '32 vCPU']) {
    assertRejects(() => register(fargateRequest({ cpu, memory: '2048' })), ClientException, "Invalid 'cpu' setting for task.");
  }
});

test('a table CPU with the wrong memory names both values', () => {
  assertRejects(() => register(fargateRequest({ cpu: '256', memory: '4GB' })), ClientException,
    'No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.');
});

test('Windows Fargate tasks need at least 1 vCPU', () => {
  const windows = { runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' as const } };
  assertRejects(() => register(fargateRequest({ ...windows, cpu: '512', memory: '1024' })), ClientException, "Invalid 'cpu' setting for task.");
  assert.ok(register(fargateRequest({ ...windows, cpu: '1024', memory: '2048' })));
});

test('Windows Fargate tasks refuse pidMode altogether', () => {
  const windows = { runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2019_FULL' as const }, cpu: '1024', memory: '2048' };
  assertRejects(() => register(fargateRequest({ ...windows, pidMode: 'task' })), ClientException,
    'Windows tasks using the Fargate launch type do not support pidMode.');
});

test('ipcMode, pidMode host, placementConstraints and inferenceAccelerators are refused', () => {
  assertRejects(() => register(fargateRequest({ ipcMode: 'task' })), ClientException,
    'Tasks using the Fargate launch type do not support ipcMode.');
  assertRejects(() => register(fargateRequest({ pidMode: 'host' })), ClientException,
    "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.");
  assert.equal(register(fargateRequest({ pidMode: 'task' })).taskDefinition.pidMode, 'task');
  assertRejects(() => register(fargateRequest({ placementConstraints: [{ type: 'memberOf', expression: 'attribute:x == y' }] })),
    ClientException, 'Tasks using the Fargate launch type do not support placementConstraints. The task definition declares 1.');
  assertRejects(() => register(fargateRequest({ inferenceAccelerators: [{ deviceName: 'd', deviceType: 'eia2.medium' }] })),
    ClientException, /^Tasks using the Fargate launch type do not support inferenceAccelerators\./);
});

test('host sourcePath and docker volumes are refused; bind and EFS volumes are fine', () => {
  assertRejects(() => register(fargateRequest({ volumes: [{ name: 'logs', host: { sourcePath: '/var/log' } }] })), ClientException,
    "Fargate compatible task definitions do not support sourcePath. Volume 'logs' sets host.sourcePath.");
  assertRejects(() => register(fargateRequest({ volumes: [{ name: 'd', dockerVolumeConfiguration: { scope: 'task' } }] })),
    ClientException, "Fargate compatible task definitions do not support dockerVolumeConfiguration. Volume 'd' sets it.");
  assert.ok(register(fargateRequest({ volumes: [{ name: 'scratch' }, { name: 'empty-host', host: {} }] })));
  assert.ok(register(fargateRequest({ volumes: [{ name: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }] })));
});

test('privileged containers are refused', () => {
  assertRejects(() => register(withContainer({ privileged: true })), ClientException,
    "Tasks using the Fargate launch type do not support privileged containers. Container 'app' sets privileged to true.");
  assert.ok(register(withContainer({ privileged: false })));
});

test('only the awslogs, splunk and awsfirelens log drivers', () => {
  const withDriver = (logDriver: NonNullable<ContainerDefinition['logConfiguration']>['logDriver'], options: Record<string, string> = {}) =>
    withContainer({ logConfiguration: { logDriver, options } }, { executionRoleArn: EXECUTION_ROLE });
  assert.ok(register(withDriver('awslogs', { 'awslogs-group': 'g', 'awslogs-region': 'r' })));
  assert.ok(register(withDriver('splunk')));
  assert.ok(register(withDriver('awsfirelens')));
  for (const driver of ['json-file', 'syslog', 'journald', 'gelf', 'fluentd'] as const) {
    assertRejects(() => register(withDriver(driver)), ClientException,
      `Tasks using the Fargate launch type do not support log driver '${driver}'. Container 'app' uses it; the supported log drivers are awslogs, splunk, awsfirelens.`);
  }
});

test('awslogs and private ECR images need an execution role on Fargate', () => {
  const awslogs = { logDriver: 'awslogs' as const, options: { 'awslogs-group': 'g', 'awslogs-region': 'r' } };
  assertRejects(() => register(withContainer({ logConfiguration: awslogs })), ClientException,
    "Fargate requires task definition to have execution role ARN to support log driver awslogs. Container 'app' uses awslogs.");
  const ecr = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1';
  assertRejects(() => register(withContainer({ image: ecr })), ClientException,
    `Fargate requires task definition to have execution role ARN to support ECR images. Container 'app' uses '${ecr}'.`);
  assert.ok(register(withContainer({ image: ecr }, { executionRoleArn: EXECUTION_ROLE })));
  assert.ok(register(withContainer({ image: 'public.ecr.aws/nginx/nginx:latest' })));
});

for (const field of ['startTimeout', 'stopTimeout'] as const) {
  for (const value of [2, 120]) {
    test(`${field} = ${value} is accepted on Fargate`, () => assert.ok(register(withContainer({ [field]: value }))));
  }
  for (const value of [1, 121]) {
    test(`${field} = ${value} is rejected on Fargate`, () => {
      assertRejects(() => register(withContainer({ [field]: value })), ClientException,
        `Invalid '${field}' setting for container 'app'. On Fargate the value must be between 2 and 120 seconds; got ${value}.`);
    });
  }
}

test('linuxParameters Fargate does not run: devices, shm, tmpfs, swap, capabilities other than SYS_PTRACE', () => {
  const params = (linuxParameters: ContainerDefinition['linuxParameters']) => withContainer({ linuxParameters });
  assert.ok(register(params({ initProcessEnabled: true, capabilities: { add: ['SYS_PTRACE'], drop: ['NET_RAW'] } })));
  assertRejects(() => register(params({ devices: [{ hostPath: '/dev/fuse' }] })), ClientException,
    "Tasks using the Fargate launch type do not support 'linuxParameters.devices'. Container 'app' sets it.");
  assertRejects(() => register(params({ sharedMemorySize: 64 })), ClientException, /'linuxParameters\.sharedMemorySize'/);
  assertRejects(() => register(params({ tmpfs: [{ containerPath: '/t', size: 10 }] })), ClientException, /'linuxParameters\.tmpfs'/);
  assertRejects(() => register(params({ maxSwap: 0 })), ClientException, /'linuxParameters\.maxSwap'/);
  assertRejects(() => register(params({ swappiness: 10 })), ClientException, /'linuxParameters\.swappiness'/);
  assertRejects(() => register(params({ capabilities: { add: ['NET_ADMIN'] } })), ClientException,
    "Tasks using the Fargate launch type do not support adding the kernel capability 'NET_ADMIN'. Only SYS_PTRACE can be added; container 'app' adds 'NET_ADMIN'.");
});

test('GPU resource requirements are refused', () => {
  assertRejects(() => register(withContainer({ resourceRequirements: [{ type: 'GPU', value: '1' }] })), ClientException,
    "Tasks using the Fargate launch type do not support GPU resource requirements. Container 'app' requests a GPU.");
});

test('ephemeralStorage.sizeInGiB: 21 and 200 accepted, 20 and 201 rejected', () => {
  for (const sizeInGiB of [21, 200]) {
    assert.equal(register(fargateRequest({ ephemeralStorage: { sizeInGiB } })).size.ephemeralStorageGiB, sizeInGiB);
  }
  for (const sizeInGiB of [20, 201]) {
    assertRejects(() => register(fargateRequest({ ephemeralStorage: { sizeInGiB } })), ClientException,
      `Invalid 'ephemeralStorage.sizeInGiB' setting for task. The value must be between 21 and 200 GiB; got ${sizeInGiB}.`);
  }
});

/** A definition that would be Fargate-valid if it asked for FARGATE. */
function unrequested(extra: Partial<RegisterTaskDefinitionRequest> = {}): RegisterTaskDefinitionRequest {
  return fargateRequest({ requiresCompatibilities: undefined, ...extra });
}

test('compatibilities: Fargate-valid definitions show EC2 and FARGATE even when FARGATE is not required', () => {
  assert.deepEqual(register(fargateRequest()).taskDefinition.compatibilities, ['EC2', 'FARGATE']);
  assert.deepEqual(register(fargateRequest({ requiresCompatibilities: ['EC2', 'FARGATE'] })).taskDefinition.compatibilities, ['EC2', 'FARGATE']);
  const parsed = register(unrequested());
  assert.deepEqual(parsed.taskDefinition.compatibilities, ['EC2', 'FARGATE']);
  assert.equal('requiresCompatibilities' in parsed.taskDefinition, false);
});

test('compatibilities: definitions Fargate cannot run register as EC2 only, instead of being rejected', () => {
  const ec2Only: readonly RegisterTaskDefinitionRequest[] = [
    unrequested({ networkMode: 'bridge' }),
    unrequested({ cpu: '300' }),
    unrequested({ cpu: '256', memory: '4096' }),
    unrequested({ pidMode: 'host' }),
    unrequested({ containerDefinitions: [{ name: 'app', image: 'x', privileged: true }] }),
    unrequested({ containerDefinitions: [{ name: 'app', image: 'x', stopTimeout: 300 }] }),
    unrequested({ volumes: [{ name: 'v', host: { sourcePath: '/srv' } }] }),
    { family: 'ec2', containerDefinitions: [{ name: 'app', image: 'x', memory: 128 }] },
    { family: 'ec2', requiresCompatibilities: ['EC2'], containerDefinitions: [{ name: 'app', image: 'x', memory: 128 }] },
  ];
  for (const request of ec2Only) {
    assert.deepEqual(register(request).taskDefinition.compatibilities, ['EC2'], JSON.stringify(request));
  }
  assert.deepEqual(register({ family: 'ext', requiresCompatibilities: ['EXTERNAL'], containerDefinitions: [{ name: 'a', image: 'x', memory: 64 }] })
    .taskDefinition.compatibilities, ['EC2', 'EXTERNAL']);
});

test('EC2-style definitions: without task memory every container needs memory or memoryReservation', () => {
  assertRejects(() => register({ family: 'ec2', containerDefinitions: [{ name: 'app', image: 'x' }] }), ClientException,
    "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' must be specified.");
  assert.ok(register({ family: 'ec2', containerDefinitions: [{ name: 'app', image: 'x', memoryReservation: 64 }] }));
  assert.ok(register({ family: 'ec2', memory: '512', containerDefinitions: [{ name: 'app', image: 'x' }] }));
});

test('EC2-style definitions: task cpu range 128 to 196608 units; placement size from the containers', () => {
  const ec2 = (cpu: string) => ({ family: 'ec2', cpu, containerDefinitions: [{ name: 'app', image: 'x', memory: 64 }] });
  assert.ok(register(ec2('128')));
  assert.ok(register(ec2('196608')));
  assertRejects(() => register(ec2('127')), ClientException, "Invalid 'cpu' setting for task. Task CPU must be between 128 and 196608 units; got 127.");
  assertRejects(() => register(ec2('196609')), ClientException, /got 196609\.$/);
  assertRejects(() => register({ family: 'ec2', memory: '0', containerDefinitions: [{ name: 'app', image: 'x' }] }), ClientException,
    "Invalid 'memory' setting for task. Task memory must be a positive number of MiB; got 0.");
  const sized = register({
    family: 'ec2',
    containerDefinitions: [{ name: 'a', image: 'x', cpu: 10, memory: 100 }, { name: 'b', image: 'x', cpu: 5, memory: 300, memoryReservation: 50 }],
  });
  assert.deepEqual(sized.size, { cpu: 15, memory: 150, ephemeralStorageGiB: 20 });
});
