import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fx from './stats-fixtures.js';
import {
  blkioFromV2, cpuFromV1, cpuFromV2, memoryFromV1, memoryFromV2, onlineCpus, parseBlkioV1, parseCgroupMounts, parseKeyedCounters,
  parseLimit, parseNetDev, parseRunscEvent, pidsFrom, systemCpuNs,
} from './stats-parse.js';

describe('stats parsers: cgroup v1 files captured on a host', () => {
  test('cpuacct and cpu.stat: ns totals, the user/kernel split from usage_user/usage_sys, per-CPU, throttling', () => {
    const cpu = cpuFromV1({
      usage: fx.CPUACCT_USAGE, usagePercpu: fx.CPUACCT_USAGE_PERCPU, usageUser: fx.CPUACCT_USAGE_USER,
      usageSys: fx.CPUACCT_USAGE_SYS, cpuacctStat: fx.CPUACCT_STAT, cpuStat: fx.CPU_STAT_V1,
    });
    assert.deepEqual(cpu, {
      totalNs: 608719789, userNs: 592000000, kernelNs: 72000000, perCpuNs: [466489378, 142230411],
      throttling: { periods: 27, throttledPeriods: 24, throttledNs: 1414773359 },
    });
    assert.equal(cpu!.perCpuNs!.reduce((a, b) => a + b), cpu!.totalNs, 'the per-CPU figures add up to the total');
  });

  test('without usage_user/usage_sys the split comes from cpuacct.stat ticks (1/100 s)', () => {
    const cpu = cpuFromV1({ usage: fx.CPUACCT_USAGE, cpuacctStat: fx.CPUACCT_STAT });
    assert.equal(cpu!.userNs, 540_000_000);
    assert.equal(cpu!.kernelNs, 60_000_000);
    assert.equal(cpu!.perCpuNs, undefined);
    assert.equal(cpu!.throttling, undefined);
    assert.equal(cpuFromV1({}), undefined, 'no cpuacct.usage: no CPU figures');
  });

  test('memory: usage, peak, failcnt, the limit and every memory.stat key', () => {
    const m = memoryFromV1({
      usage: fx.MEMORY_USAGE_IN_BYTES, maxUsage: fx.MEMORY_MAX_USAGE_IN_BYTES, failcnt: fx.MEMORY_FAILCNT,
      limit: fx.MEMORY_LIMIT_IN_BYTES, stat: fx.MEMORY_STAT_V1,
    })!;
    assert.equal(m.usage, 425984);
    assert.equal(m.maxUsage, 1830912);
    assert.equal(m.failcnt, 0);
    assert.equal(m.limit, 512 * 2 ** 20);
    assert.equal(m.stats.total_active_file, 192512);
    assert.equal(m.stats.hierarchical_memory_limit, 536870912);
    assert.equal(Object.keys(m.stats).length, 42);
    assert.equal(memoryFromV1({ usage: '1\n', limit: '9223372036854771712\n' })!.limit, undefined, 'v1 "no limit" is no limit');
  });

  test('pids and limits: "max" and huge values are no limit', () => {
    assert.deepEqual(pidsFrom('7\n', fx.PIDS_MAX), { current: 7, limit: 1024 });
    assert.deepEqual(pidsFrom('7\n', 'max\n'), { current: 7 });
    assert.equal(pidsFrom(undefined, fx.PIDS_MAX), undefined);
    assert.equal(parseLimit('max\n'), undefined);
    assert.equal(parseLimit('9223372036854771712\n'), undefined);
    assert.equal(parseLimit('268435456\n'), 268435456);
    assert.equal(parseLimit(undefined), undefined);
  });

  test('blkio: the device rows, without the closing Total (these hosts keep none: "Total 0" only)', () => {
    assert.deepEqual(parseBlkioV1(fx.BLKIO_SERVICE_BYTES_V1), []);
    // The row format of the same file on a host that accounts I/O (kernel documentation's layout).
    assert.deepEqual(parseBlkioV1('254:0 Read 4096\n254:0 Write 20971520\n254:0 Sync 20971520\n254:0 Async 4096\n254:0 Discard 0\n254:0 Total 20975616\nTotal 20975616\n'), [
      { major: 254, minor: 0, op: 'Read', value: 4096 }, { major: 254, minor: 0, op: 'Write', value: 20971520 },
      { major: 254, minor: 0, op: 'Sync', value: 20971520 }, { major: 254, minor: 0, op: 'Async', value: 4096 },
      { major: 254, minor: 0, op: 'Discard', value: 0 }, { major: 254, minor: 0, op: 'Total', value: 20975616 },
    ]);
  });
});

describe('stats parsers: cgroup v2', () => {
  test('cpu.stat of a unified-mount cgroup (captured): µs → ns; throttling only with the cpu controller', () => {
    assert.deepEqual(cpuFromV2(fx.CPU_STAT_V2), { totalNs: 1300883000, userNs: 1248286000, kernelNs: 52596000 });
    const withController = `${fx.CPU_STAT_V2}nr_periods 40\nnr_throttled 12\nthrottled_usec 450000\n`;
    assert.deepEqual(cpuFromV2(withController)!.throttling, { periods: 40, throttledPeriods: 12, throttledNs: 450_000_000 });
    assert.equal(cpuFromV2(undefined), undefined);
  });

  test('memory.current/peak/max/stat and io.stat (no v2 memory or io controller on these hosts: rows in the kernel\'s documented format)', () => {
    const m = memoryFromV2({ current: '3325952\n', peak: '4194304\n', max: 'max\n', stat: 'anon 1060864\nfile 1220608\ninactive_file 1093632\n' })!;
    assert.deepEqual(m, { usage: 3325952, maxUsage: 4194304, stats: { anon: 1060864, file: 1220608, inactive_file: 1093632 } });
    assert.equal(memoryFromV2({ current: '1\n', max: '536870912\n' })!.limit, 536870912);
    const io = blkioFromV2('254:0 rbytes=1048576 wbytes=20971520 rios=16 wios=160 dbytes=0 dios=0\n');
    assert.deepEqual(io.serviceBytes, [{ major: 254, minor: 0, op: 'read', value: 1048576 }, { major: 254, minor: 0, op: 'write', value: 20971520 }]);
    assert.deepEqual(io.serviced, [{ major: 254, minor: 0, op: 'read', value: 16 }, { major: 254, minor: 0, op: 'write', value: 160 }]);
  });
});

describe('stats parsers: /proc, sysfs, mountinfo and runsc', () => {
  test('system_cpu_usage: the first seven fields of the cpu line, in ns, as Docker sums them', () => {
    const ticks = 836848 + 0 + 343176 + 564666 + 3262 + 0 + 19555;
    assert.equal(systemCpuNs(fx.PROC_STAT), ticks * 10_000_000);
    assert.equal(systemCpuNs('ctxt 1\n'), undefined);
  });

  test('online CPUs from ranges and lists', () => {
    assert.equal(onlineCpus(fx.CPU_ONLINE), 2);
    assert.equal(onlineCpus('0,2-5,7\n'), 6);
    assert.equal(onlineCpus('\n'), undefined);
  });

  test('net/dev: receive and transmit columns of every interface', () => {
    const n = parseNetDev(fx.NET_DEV_HOST);
    assert.deepEqual(Object.keys(n), ['lo', 'ifb0', 'ifb1', 'eth0']);
    assert.deepEqual(n.eth0, {
      rxBytes: 330736950, rxPackets: 20982, rxErrors: 0, rxDropped: 0, txBytes: 1566906, txPackets: 16918, txErrors: 0, txDropped: 0,
    });
  });

  test('mountinfo: each v1 controller\'s hierarchy and the cgroup2 mount', () => {
    const mounts = parseCgroupMounts([
      '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
      '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
      '39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n'));
    assert.deepEqual(mounts, {
      v1: { cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct', memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids' },
      v2: '/sys/fs/cgroup/unified',
    });
    const combined = parseCgroupMounts('25 1 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n');
    assert.deepEqual(combined.v1, { cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct' });
    assert.deepEqual(parseCgroupMounts('25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n'), { v1: {}, v2: '/sys/fs/cgroup' });
  });

  test('runsc events --stats: the container\'s CPU total and pid count', () => {
    assert.deepEqual(parseRunscEvent(fx.RUNSC_EVENTS_STATS), { cpuNs: 4380198647, pids: 3 });
    assert.equal(parseRunscEvent('container "x" does not exist\n'), undefined);
    assert.equal(parseRunscEvent('{"type":"oom","id":"x"}'), undefined);
  });

  test('keyed counters skip lines that are not "key number"', () => {
    assert.deepEqual(parseKeyedCounters('a 1\nb two\nc 3 4\n\nd 5'), { a: 1, d: 5 });
  });
});
