import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerDefinition } from '../../ecs/task-definition/types.js';
import { clampRlimits, hasCapSysResource, parseHardLimits } from './host-limits.js';
import {
  buildOciSpec, buildSandboxSpec, capabilitySets, containerArgs, DEFAULT_CAPABILITIES, INIT_PATH, normalizeSignal, resolveUser,
  SpecError, STOP_SIGNAL_ANNOTATION, taskResources, type OciSpecInput,
} from './spec.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1001:app user:/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');
const GROUP = ['root:x:0:', 'appgrp:x:1001:', 'audio:x:29:app,other', 'video:x:44:app', 'staff:x:50:'].join('\n');

function input(container: ContainerDefinition, more: Partial<OciSpecInput> = {}): OciSpecInput {
  return {
    taskId: 'a'.repeat(32),
    runtimeId: `${'a'.repeat(32)}-0`,
    container: { name: 'web', ...container },
    image: { Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['nginx', '-g', 'daemon off;'], Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NGINX_VERSION=1.25'], WorkingDir: '/srv' },
    rootfs: '/var/lib/pier/tasks/t/rootfs/web',
    mounts: [],
    injectedEnv: { AWS_REGION: 'us-east-1', AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE', ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/x' },
    environmentFiles: {},
    netnsPath: '/var/run/netns/pier-t',
    hostname: 'ip-task-aaaa',
    taskLimits: { cpuUnits: 512, memoryMiB: 1024 },
    userDb: { passwd: PASSWD, group: GROUP },
    ...more,
  };
}

const envOf = (spec: ReturnType<typeof buildOciSpec>): Map<string, string> =>
  new Map(spec.process.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

describe('containerArgs (Docker rules)', () => {
  const image = { Entrypoint: ['/ep'], Cmd: ['cmd', 'arg'] };
  test('nothing set: image Entrypoint + Cmd', () => assert.deepEqual(containerArgs({}, image), ['/ep', 'cmd', 'arg']));
  test('command replaces Cmd only', () => assert.deepEqual(containerArgs({ command: ['x'] }, image), ['/ep', 'x']));
  test('entryPoint drops the image Cmd', () => assert.deepEqual(containerArgs({ entryPoint: ['/bin/sh'] }, image), ['/bin/sh']));
  test('entryPoint and command', () => assert.deepEqual(containerArgs({ entryPoint: ['/bin/sh', '-c'], command: ['echo hi'] }, image), ['/bin/sh', '-c', 'echo hi']));
  test('image without Entrypoint', () => assert.deepEqual(containerArgs({}, { Cmd: ['sh'] }), ['sh']));
  test('no command anywhere is a SpecError', () => {
    assert.throws(() => buildOciSpec(input({}, { image: {} })), SpecError);
  });
});

describe('buildOciSpec', () => {
  test('env: image < injected < environmentFiles < environment; PATH and HOSTNAME defaults; HOME from passwd', () => {
    const spec = buildOciSpec(input(
      { environment: [{ name: 'NGINX_VERSION', value: 'override' }, { name: 'FROM_FILE', value: 'env wins' }, { name: 'AWS_REGION', value: 'eu-west-1' }] },
      { environmentFiles: { FROM_FILE: 'file', ONLY_FILE: '1' } },
    ));
    const env = envOf(spec);
    assert.equal(env.get('PATH'), '/usr/local/bin:/usr/bin:/bin');
    assert.equal(env.get('HOSTNAME'), 'ip-task-aaaa');
    assert.equal(env.get('NGINX_VERSION'), 'override');
    assert.equal(env.get('FROM_FILE'), 'env wins');
    assert.equal(env.get('ONLY_FILE'), '1');
    assert.equal(env.get('AWS_REGION'), 'eu-west-1');
    assert.equal(env.get('AWS_EXECUTION_ENV'), 'AWS_ECS_FARGATE');
    assert.equal(env.get('ECS_CONTAINER_METADATA_URI_V4'), 'http://169.254.170.2/v4/x');
    assert.equal(env.get('HOME'), '/root');
    assert.equal(spec.process.env.filter((e) => e.startsWith('PATH=')).length, 1);
  });

  test('an image without PATH gets the default one', () => {
    const env = envOf(buildOciSpec(input({}, { image: { Cmd: ['x'] } })));
    assert.equal(env.get('PATH'), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  test('workingDirectory overrides the image WorkingDir; default /', () => {
    assert.equal(buildOciSpec(input({})).process.cwd, '/srv');
    assert.equal(buildOciSpec(input({ workingDirectory: '/app' })).process.cwd, '/app');
    assert.equal(buildOciSpec(input({}, { image: { Cmd: ['x'] } })).process.cwd, '/');
  });

  test('root, hostname, netns, cgroup path, no user namespace, Docker masked paths', () => {
    const spec = buildOciSpec(input({ readonlyRootFilesystem: true }));
    assert.deepEqual(spec.root, { path: '/var/lib/pier/tasks/t/rootfs/web', readonly: true });
    assert.equal(buildOciSpec(input({})).root.readonly, false);
    assert.equal(spec.hostname, 'ip-task-aaaa');
    assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/var/run/netns/pier-t' });
    assert.equal(spec.linux.namespaces.some((n) => n.type === 'user'), false);
    assert.deepEqual(spec.linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
    assert.equal(spec.linux.cgroupsPath, `/pier/${'a'.repeat(32)}/${'a'.repeat(32)}-0`);
    assert.ok(spec.linux.maskedPaths.includes('/proc/kcore'));
    assert.ok(spec.linux.readonlyPaths.includes('/proc/sys'));
    assert.equal(spec.process.terminal, false);
  });

  test('standard mounts, shm size, tmpfs and volume mounts', () => {
    const spec = buildOciSpec(input(
      { linuxParameters: { sharedMemorySize: 128, tmpfs: [{ containerPath: '/scratch', size: 32 }, { containerPath: 'cache', size: 8, mountOptions: ['rw', 'exec'] }] } },
      { mounts: [{ source: '/disk/vol/data', destination: '/data', readOnly: false }, { source: '/efs/fs-1', destination: '/shared', readOnly: true }] },
    ));
    const by = new Map(spec.mounts.map((m) => [m.destination, m]));
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']) assert.ok(by.has(d), d);
    assert.ok(by.get('/dev/shm')!.options!.includes('size=131072k'));
    assert.deepEqual(by.get('/scratch')!.options, ['nosuid', 'nodev', 'noexec', 'size=32m']);
    assert.deepEqual(by.get('/cache')!.options, ['rw', 'exec', 'size=8m']);
    assert.deepEqual(by.get('/data'), { destination: '/data', type: 'bind', source: '/disk/vol/data', options: ['rbind', 'rprivate', 'rw'] });
    assert.deepEqual(by.get('/shared')!.options, ['rbind', 'rprivate', 'ro']);
  });

  test('ulimits: nofile 65535 by default, overridable; others added', () => {
    assert.deepEqual(buildOciSpec(input({})).process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 65535, hard: 65535 }]);
    const r = buildOciSpec(input({ ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }, { name: 'core', softLimit: 0, hardLimit: 0 }] })).process.rlimits;
    assert.deepEqual(r, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }]);
  });

  test('cgroup resources: cpu units → shares (min 2), memory hard limit without swap, reservation as soft limit', () => {
    const none = buildOciSpec(input({})).linux.resources;
    assert.equal(none.cpu?.shares, 2);
    assert.equal(none.memory, undefined);
    const set = buildOciSpec(input({ cpu: 256, memory: 300, memoryReservation: 128 })).linux.resources;
    assert.equal(set.cpu?.shares, 256);
    assert.deepEqual(set.memory, { limit: 300 * 1024 * 1024, swap: 300 * 1024 * 1024, reservation: 128 * 1024 * 1024 });
    assert.deepEqual(set.devices, [{ allow: false, access: 'rwm' }]);
  });

  test('privileged is refused', () => {
    assert.throws(() => buildOciSpec(input({ privileged: true })), /privileged/);
  });

  test('stop signal annotation from the image, normalised', () => {
    assert.equal(buildOciSpec(input({})).annotations[STOP_SIGNAL_ANNOTATION], 'SIGTERM');
    assert.equal(buildOciSpec(input({}, { image: { Cmd: ['x'], StopSignal: 'QUIT' } })).annotations[STOP_SIGNAL_ANNOTATION], 'SIGQUIT');
    assert.equal(normalizeSignal('9'), 'SIGKILL');
    assert.equal(normalizeSignal('sigint'), 'SIGINT');
    assert.equal(normalizeSignal('SIGNOPE'), undefined);
  });

  test('systemControls → sysctl', () => {
    const spec = buildOciSpec(input({ systemControls: [{ namespace: 'net.core.somaxconn', value: '4096' }] }));
    assert.deepEqual(spec.linux.sysctl, { 'net.core.somaxconn': '4096' });
    assert.equal(buildOciSpec(input({})).linux.sysctl, undefined);
  });

  test('initProcessEnabled: wrapped in the busybox init when the runtime gives one, untouched otherwise', () => {
    const c: ContainerDefinition = { command: ['serve', '--port', '80'], entryPoint: ['/app'], linuxParameters: { initProcessEnabled: true } };
    const withInit = buildOciSpec(input(c, { initBinary: '/usr/bin/busybox' }));
    assert.equal(withInit.process.args[0], INIT_PATH);
    assert.deepEqual(withInit.process.args.slice(1, 3), ['sh', '-c']);
    assert.deepEqual(withInit.process.args.slice(4), ['pier-init', '/app', 'serve', '--port', '80']);
    const m = withInit.mounts.find((x) => x.destination === INIT_PATH)!;
    assert.equal(m.source, '/usr/bin/busybox');
    assert.ok(m.options!.includes('ro'));
    assert.deepEqual(buildOciSpec(input(c)).process.args, ['/app', 'serve', '--port', '80']);
  });
});

describe('resolveUser', () => {
  const db = { passwd: PASSWD, group: GROUP };
  test('default is root with root home', () => assert.deepEqual(resolveUser('', db), { uid: 0, gid: 0, additionalGids: [], home: '/root' }));
  test('a name: its uid, primary gid, supplementary groups and home', () => {
    assert.deepEqual(resolveUser('app', db), { uid: 1000, gid: 1001, additionalGids: [29, 44], home: '/home/app' });
  });
  test('a uid in passwd takes its gid; a uid not in passwd gets gid 0', () => {
    assert.equal(resolveUser('1000', db).gid, 1001);
    assert.deepEqual(resolveUser('4242', db), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  });
  test('uid:gid and name:group', () => {
    assert.deepEqual(resolveUser('1000:50', db), { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' });
    assert.equal(resolveUser('app:staff', db).gid, 50);
    assert.equal(resolveUser('nobody', db).uid, 65534);
  });
  test('unknown names are SpecErrors; numeric ids need no files', () => {
    assert.throws(() => resolveUser('ghost', db), SpecError);
    assert.throws(() => resolveUser('app:ghosts', db), SpecError);
    assert.throws(() => resolveUser('a:b:c', db), SpecError);
    assert.deepEqual(resolveUser('123:456', {}), { uid: 123, gid: 456, additionalGids: [], home: '/' });
  });
  test('the user field of the container wins over the image User', () => {
    const spec = buildOciSpec(input({ user: 'app' }, { image: { Cmd: ['x'], User: 'nobody' } }));
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1001, additionalGids: [29, 44] });
    assert.deepEqual(buildOciSpec(input({}, { image: { Cmd: ['x'], User: 'nobody' } })).process.user, { uid: 65534, gid: 65534 });
  });
});

describe('capabilities', () => {
  test("Docker's default set", () => assert.deepEqual(capabilitySets([], []).bounding, [...DEFAULT_CAPABILITIES].sort()));
  test('drop and add, with or without the CAP_ prefix', () => {
    const caps = capabilitySets(['SYS_PTRACE'], ['net_raw', 'CAP_MKNOD']).effective;
    assert.ok(caps.includes('CAP_SYS_PTRACE'));
    assert.ok(!caps.includes('CAP_NET_RAW'));
    assert.ok(!caps.includes('CAP_MKNOD'));
  });
  test('drop ALL then add back', () => assert.deepEqual(capabilitySets(['NET_BIND_SERVICE'], ['ALL']).permitted, ['CAP_NET_BIND_SERVICE']));
  test('sets are equal', () => {
    const c = capabilitySets(['SYS_PTRACE'], []);
    assert.deepEqual(c.bounding, c.effective);
    assert.deepEqual(c.bounding, c.permitted);
  });
});

describe('sandbox spec and task resources', () => {
  test('task cpu → shares and a hard CFS quota; memory → limit without swap', () => {
    assert.deepEqual(taskResources(512, 1024), {
      devices: [{ allow: false, access: 'rwm' }],
      cpu: { shares: 512, quota: 50_000, period: 100_000 },
      memory: { limit: 1024 * 1024 * 1024, swap: 1024 * 1024 * 1024 },
    });
  });
  test('the pause container: read-only root, the netns, task limits, annotations', () => {
    const s = buildSandboxSpec({
      sandboxId: 'x-pause', rootfs: '/pause', args: ['/bin/busybox', 'sleep', '1'], hostname: 'h', netnsPath: '/var/run/netns/n',
      cgroupsPath: '/pier/x', cpuUnits: 256, memoryMiB: 512, annotations: { 'io.kubernetes.cri.container-type': 'sandbox' },
    });
    assert.equal(s.root.readonly, true);
    assert.equal(s.linux.cgroupsPath, '/pier/x');
    assert.equal(s.linux.resources.memory?.limit, 512 * 1024 * 1024);
    assert.deepEqual(s.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/var/run/netns/n' });
    assert.equal(s.annotations['io.kubernetes.cri.container-type'], 'sandbox');
    const host = buildSandboxSpec({ sandboxId: 'x', rootfs: '/p', args: ['a'], hostname: 'h', cpuUnits: 256, memoryMiB: 512 });
    assert.equal(host.linux.namespaces.some((n) => n.type === 'network'), false);
    assert.equal(host.linux.cgroupsPath, undefined);
  });
});

describe('host rlimit clamping (runc without CAP_SYS_RESOURCE)', () => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units',
    'Max cpu time              unlimited            unlimited            seconds',
    'Max open files            20000                20000                files',
    'Max core file size        0                    unlimited            bytes',
  ].join('\n');
  const withCap = 'CapEff:\t000001ffffffffff\n';
  const without = 'CapEff:\t000001fffeffffff\n';
  test('parses hard limits', () => {
    assert.deepEqual(parseHardLimits(limits), new Map([['RLIMIT_CPU', Infinity], ['RLIMIT_NOFILE', 20000], ['RLIMIT_CORE', Infinity]]));
  });
  test('CAP_SYS_RESOURCE is bit 24', () => {
    assert.equal(hasCapSysResource(withCap), true);
    assert.equal(hasCapSysResource(without), false);
  });
  test('clamps only without the capability, and only limits above the host', () => {
    const r = [{ type: 'RLIMIT_NOFILE', soft: 65535, hard: 65535 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
    assert.deepEqual(clampRlimits(r, limits, withCap), r);
    assert.deepEqual(clampRlimits(r, limits, without), [{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }]);
  });
});
