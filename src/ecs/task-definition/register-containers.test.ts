import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientException } from '../errors.js';
import { EXECUTION_ROLE, assertRejects, fargateRequest, register, withContainer } from './test-fixtures.js';
import type { ContainerDefinition, HealthCheck, RegisterTaskDefinitionRequest } from './types.js';

interface RangeRule {
  field: string;
  min: number;
  max: number;
  unit: string;
  build: (value: number) => RegisterTaskDefinitionRequest;
}

/** Four tests per rule: min and max accepted, min-1 and max+1 rejected with a message naming the field. */
function testRangeEdges(rule: RangeRule, message: (value: number) => string): void {
  for (const value of [rule.min, rule.max]) {
    test(`${rule.field} = ${value} is accepted`, () => assert.ok(register(rule.build(value))));
  }
  for (const value of [rule.min - 1, rule.max + 1]) {
    test(`${rule.field} = ${value} is rejected`, () => {
      assertRejects(() => register(rule.build(value)), ClientException, message(value));
    });
  }
}

const healthCheck = (patch: Partial<HealthCheck>): Partial<ContainerDefinition> =>
  ({ healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], ...patch } });

const HEALTH_RULES: readonly [keyof HealthCheck & string, number, number, string][] = [
  ['interval', 5, 300, ' seconds'], ['timeout', 2, 60, ' seconds'], ['retries', 1, 10, ''], ['startPeriod', 0, 300, ' seconds'],
];
for (const [field, min, max, unit] of HEALTH_RULES) {
  testRangeEdges(
    { field: `healthCheck.${field}`, min, max, unit, build: (value) => withContainer(healthCheck({ [field]: value })) },
    (value) => `Invalid 'healthCheck.${field}' setting for container 'app'. The value must be between ${min} and ${max}${unit}; got ${value}.`,
  );
}

test('healthCheck.command must start with CMD or CMD-SHELL plus a command, or be NONE', () => {
  for (const command of [['CMD', 'true'], ['CMD-SHELL', 'exit 0'], ['NONE']]) {
    assert.ok(register(withContainer(healthCheck({ command }))), JSON.stringify(command));
  }
  for (const command of [[], ['curl', 'localhost'], ['CMD'], ['CMD-SHELL'], ['cmd', 'true'], ['SHELL', 'true']]) {
    assertRejects(() => register(withContainer(healthCheck({ command }))), ClientException,
      "Invalid 'healthCheck.command' setting for container 'app'. The command must start with 'CMD' or 'CMD-SHELL' followed by the command to run, or be 'NONE'.");
  }
});

testRangeEdges(
  {
    field: 'restartPolicy.restartAttemptPeriod', min: 60, max: 1800, unit: ' seconds',
    build: (value) => withContainer({ restartPolicy: { enabled: true, restartAttemptPeriod: value } }),
  },
  (value) => `Invalid 'restartPolicy.restartAttemptPeriod' setting for container 'app'. The value must be between 60 and 1800 seconds; got ${value}.`,
);

test('restartPolicy.ignoredExitCodes: 50 accepted, 51 rejected', () => {
  const codes = (count: number) => Array.from({ length: count }, (_, i) => i);
  assert.ok(register(withContainer({ restartPolicy: { enabled: true, ignoredExitCodes: codes(50) } })));
  assertRejects(() => register(withContainer({ restartPolicy: { enabled: true, ignoredExitCodes: codes(51) } })),
    ClientException, "Invalid 'restartPolicy.ignoredExitCodes' setting for container 'app'. At most 50 exit codes can be ignored; got 51.");
});

testRangeEdges(
  { field: 'portMappings.containerPort', min: 0, max: 65535, unit: '', build: (port) => withContainer({ portMappings: [{ containerPort: port }] }) },
  (port) => `Invalid 'containerPort' setting for container 'app'. It must be between 0 and 65535; got ${port}.`,
);

test('a port mapping needs a containerPort or a containerPortRange', () => {
  assertRejects(() => register(withContainer({ portMappings: [{ protocol: 'tcp' }] })), ClientException,
    "Invalid 'containerPort' setting for container 'app'. It must be between 0 and 65535; it is missing.");
});

test('awsvpc: hostPort must be absent or equal to containerPort', () => {
  assert.deepEqual(register(withContainer({ portMappings: [{ containerPort: 8080, hostPort: 8080 }] }))
    .taskDefinition.containerDefinitions[0]?.portMappings, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
  assertRejects(() => register(withContainer({ portMappings: [{ containerPort: 80, hostPort: 8080 }] })), ClientException,
    "When networkMode=awsvpc, the host ports and container ports in port mappings must match. Container 'app' maps containerPort 80 to hostPort 8080.");
});

test('awsvpc: hostPort 0 counts as unset and is shown as the container port', () => {
  assert.deepEqual(register(withContainer({ portMappings: [{ containerPort: 8080, hostPort: 0 }] }))
    .taskDefinition.containerDefinitions[0]?.portMappings, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
});

test('hostPort outside 0-65535 is rejected', () => {
  const bridged = (hostPort: number) => ({
    family: 'ec2', networkMode: 'bridge' as const,
    containerDefinitions: [{ name: 'app', image: 'x', memory: 64, portMappings: [{ containerPort: 80, hostPort }] }],
  });
  assert.ok(register(bridged(65535)));
  assertRejects(() => register(bridged(65536)), ClientException,
    "Invalid 'hostPort' setting for container 'app'. It must be between 0 and 65535; got 65536.");
  assertRejects(() => register(bridged(-1)), ClientException, /got -1\.$/);
});

test('bridge: explicit host ports are unique in the task, dynamic (0 or omitted) ones may repeat', () => {
  const bridged = (first: number | undefined, second: number | undefined) => ({
    family: 'ec2', networkMode: 'bridge' as const,
    containerDefinitions: [
      { name: 'a', image: 'x', memory: 64, portMappings: [{ containerPort: 80, hostPort: first }] },
      { name: 'b', image: 'x', memory: 64, portMappings: [{ containerPort: 80, hostPort: second }] },
    ],
  });
  assert.ok(register(bridged(0, 0)));
  assert.ok(register(bridged(undefined, undefined)));
  assert.ok(register(bridged(8080, 8081)));
  assertRejects(() => register(bridged(8080, 8080)), ClientException, "TCP host port '8080' is mapped multiple times in task.");
});

test('containerPortRange needs awsvpc or bridge', () => {
  const hostMode = { family: 'ec2', networkMode: 'host' as const, containerDefinitions: [
    { name: 'app', image: 'x', memory: 64, portMappings: [{ containerPortRange: '8000-8010' }] }] };
  assertRejects(() => register(hostMode), ClientException,
    "Invalid 'containerPortRange' setting for container 'app'. Port ranges need networkMode awsvpc or bridge; the task uses 'host'.");
});

test('containerPort + protocol must be unique across the awsvpc task; tcp and udp may share a number', () => {
  assertRejects(() => register(fargateRequest({
    containerDefinitions: [
      { name: 'a', image: 'x', portMappings: [{ containerPort: 3000 }] },
      { name: 'b', image: 'x', portMappings: [{ containerPort: 3000, protocol: 'tcp' }] },
    ],
  })), ClientException, "TCP host port '3000' is mapped multiple times in task.");
  assertRejects(() => register(withContainer({ portMappings: [{ containerPort: 53, protocol: 'udp' }, { containerPort: 53, protocol: 'udp' }] })),
    ClientException, "Invalid 'portMappings' setting for container 'app'. containerPort 53/udp is mapped more than once.");
  assert.ok(register(withContainer({ portMappings: [{ containerPort: 53, protocol: 'tcp' }, { containerPort: 53, protocol: 'udp' }] })));
});

test('containerPortRange: valid range accepted without hostPort; malformed, reversed or combined rejected', () => {
  const parsed = register(withContainer({ portMappings: [{ containerPortRange: '8000-8100' }] }));
  assert.deepEqual(parsed.taskDefinition.containerDefinitions[0]?.portMappings, [{ protocol: 'tcp', containerPortRange: '8000-8100' }]);
  for (const range of ['8100-8000', '0-10', '1-65536', '80', 'a-b', '5-5']) {
    assertRejects(() => register(withContainer({ portMappings: [{ containerPortRange: range }] })), ClientException,
      `Invalid 'containerPortRange' setting for container 'app'. Expected 'first-last' with 1 <= first < last <= 65535; got '${range}'.`);
  }
  assertRejects(() => register(withContainer({ portMappings: [{ containerPortRange: '1-2', containerPort: 1 }] })),
    ClientException, /Specify either containerPort or containerPortRange/);
});

test('bridge and none network modes (EC2 definitions)', () => {
  const ec2 = (patch: Partial<ContainerDefinition>, networkMode?: 'bridge' | 'none') => ({
    family: 'ec2', networkMode, containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, ...patch }],
  });
  const bridged = register(ec2({ portMappings: [{ containerPort: 80, hostPort: 8080 }] }));
  assert.deepEqual(bridged.taskDefinition.containerDefinitions[0]?.portMappings, [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }]);
  assertRejects(() => register(ec2({ portMappings: [{ containerPort: 80 }] }, 'none')), ClientException,
    "Port mappings are not supported when networkMode=none. Container 'app' declares portMappings.");
});

test('links need bridge mode and must name another container', () => {
  const twoContainers = (links: string[], networkMode: 'bridge' | 'awsvpc'): RegisterTaskDefinitionRequest => ({
    family: 'linked', networkMode,
    containerDefinitions: [{ name: 'web', image: 'x', memory: 128, links }, { name: 'db', image: 'y', memory: 128 }],
  });
  assert.ok(register(twoContainers(['db:database'], 'bridge')));
  assertRejects(() => register(twoContainers(['db'], 'awsvpc')), ClientException,
    "links are not supported on container 'web' when networkMode=awsvpc. Links need networkMode=bridge.");
  assertRejects(() => register(twoContainers(['cache'], 'bridge')), ClientException,
    "Invalid 'links' setting for container 'web'. 'cache' must name another container in the task definition.");
  assertRejects(() => register(twoContainers(['web'], 'bridge')), ClientException, /'web' must name another container/);
});

test('hostname is not allowed with awsvpc', () => {
  assertRejects(() => register(withContainer({ hostname: 'app.local' })), ClientException,
    "hostname is not supported on container when networkMode=awsvpc. Container 'app' sets hostname.");
});

test('container memory must be positive and greater than memoryReservation', () => {
  assert.ok(register(withContainer({ memory: 257, memoryReservation: 256 })));
  assertRejects(() => register(withContainer({ memory: 256, memoryReservation: 256 })), ClientException,
    "Invalid 'memory' setting for container 'app'. 'memory' (256 MiB) must be greater than 'memoryReservation' (256 MiB).");
  assertRejects(() => register(withContainer({ memory: 0 })), ClientException,
    "Invalid 'memory' setting for container 'app'. The value must be a positive number of MiB; got 0.");
  assertRejects(() => register(withContainer({ memoryReservation: -1 })), ClientException,
    "Invalid 'memoryReservation' setting for container 'app'. The value must be a positive number of MiB; got -1.");
  assertRejects(() => register(withContainer({ cpu: -1 })), ClientException,
    "Invalid 'cpu' setting for container 'app'. The value must be a non-negative integer; got -1.");
});

test('container cpu sum: equal to the task accepted, one unit more rejected', () => {
  const split = (first: number) => fargateRequest({
    containerDefinitions: [{ name: 'a', image: 'x', cpu: first }, { name: 'b', image: 'x', cpu: 128 }],
  });
  assert.ok(register(split(128)));
  assertRejects(() => register(split(129)), ClientException,
    "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'. The containers reserve 257 CPU units; the task has 256.");
});

test('container memory: a container above the task, and sums of reservations above the task', () => {
  assertRejects(() => register(withContainer({ memory: 513 })), ClientException,
    "The 'memory' setting for container 'app' is greater than for the task (513 MiB > 512 MiB).");
  assert.ok(register(withContainer({ memory: 512 })));
  const two = (a: Partial<ContainerDefinition>, b: Partial<ContainerDefinition>) =>
    fargateRequest({ containerDefinitions: [{ name: 'a', image: 'x', ...a }, { name: 'b', image: 'x', ...b }] });
  assert.ok(register(two({ memory: 256 }, { memory: 256 })));
  assertRejects(() => register(two({ memory: 256 }, { memory: 257 })), ClientException,
    "The sum of all container 'memory' values cannot be greater than the value of the task 'memory'. The containers reserve 513 MiB; the task has 512 MiB.");
  // Soft limits count when given, so hard limits may add up past the task.
  assert.ok(register(two({ memory: 400, memoryReservation: 256 }, { memory: 400, memoryReservation: 256 })));
  assertRejects(() => register(two({ memoryReservation: 300 }, { memoryReservation: 213 })), ClientException,
    /^The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'\./);
});

test('awslogs needs awslogs-group and awslogs-region', () => {
  const logs = (options: Record<string, string>) => withContainer(
    { logConfiguration: { logDriver: 'awslogs', options } }, { executionRoleArn: EXECUTION_ROLE });
  assert.ok(register(logs({ 'awslogs-group': 'g', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'p' })));
  assertRejects(() => register(logs({})), ClientException,
    "Log driver awslogs requires options: awslogs-region, awslogs-group. They are missing in the logConfiguration of container 'app'.");
  assertRejects(() => register(logs({ 'awslogs-region': 'eu-west-1' })), ClientException,
    /^Log driver awslogs requires options: awslogs-group\./);
});

test('secrets need an execution role', () => {
  const secrets = [{ name: 'DB', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/db' }];
  assertRejects(() => register(withContainer({ secrets })), ClientException,
    "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'. Container 'app' uses secrets.");
  assert.ok(register(withContainer({ secrets }, { executionRoleArn: EXECUTION_ROLE })));
});

test('timeouts are non-negative integers for every launch type', () => {
  const ec2 = (patch: Partial<ContainerDefinition>) => ({ family: 'ec2', containerDefinitions: [{ name: 'app', image: 'x', memory: 64, ...patch }] });
  assert.ok(register(ec2({ stopTimeout: 600, startTimeout: 0 })));
  assertRejects(() => register(ec2({ stopTimeout: -1 })), ClientException,
    "Invalid 'stopTimeout' setting for container 'app'. The value must be a non-negative integer; got -1.");
});

test('mountPoints must reference a declared volume and give a containerPath', () => {
  const volumes = [{ name: 'scratch' }];
  const parsed = register(withContainer({ mountPoints: [{ sourceVolume: 'scratch', containerPath: '/data' }] }, { volumes }));
  assert.deepEqual(parsed.taskDefinition.volumes, volumes);
  assertRejects(() => register(withContainer({ mountPoints: [{ sourceVolume: 'other', containerPath: '/data' }] }, { volumes })),
    ClientException, "Invalid 'mountPoints.sourceVolume' setting for container 'app'. Volume 'other' is not declared in the task definition's volumes.");
  assertRejects(() => register(withContainer({ mountPoints: [{ sourceVolume: 'scratch' }] }, { volumes })),
    ClientException, "Invalid 'mountPoints.containerPath' setting for container 'app'. The mount point for volume 'scratch' needs a containerPath.");
});

test('volumesFrom must name another container', () => {
  const request = (source: string) => fargateRequest({
    containerDefinitions: [{ name: 'app', image: 'x', volumesFrom: [{ sourceContainer: source }] }, { name: 'data', image: 'y' }],
  });
  assert.ok(register(request('data')));
  assertRejects(() => register(request('ghost')), ClientException,
    "Invalid 'volumesFrom.sourceContainer' setting for container 'app'. 'ghost' must name another container in the task definition.");
  assertRejects(() => register(request('app')), ClientException, /'app' must name another container/);
});
