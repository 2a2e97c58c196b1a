import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fx from './stats-fixtures.js';
import { dockerStats, networkRate, type StatsSample } from './stats-format.js';
import { cpuFromV1, memoryFromV1, parseNetDev, pidsFrom, systemCpuNs } from './stats-parse.js';

const T0 = Date.UTC(2026, 11, 5, 17, 0, 0);
const who = { id: '0123456789abcdef0123456789abcdef-0', name: 'app' };

/** A sample built from the captured files, as HostStatsSource builds one. */
function captured(at = T0): StatsSample {
  const memory = memoryFromV1({ usage: fx.MEMORY_USAGE_IN_BYTES, maxUsage: fx.MEMORY_MAX_USAGE_IN_BYTES, failcnt: fx.MEMORY_FAILCNT, limit: fx.MEMORY_LIMIT_IN_BYTES, stat: fx.MEMORY_STAT_V1 })!;
  const { lo: _lo, ...networks } = parseNetDev(fx.NET_DEV_HOST);
  return {
    readAtMs: at,
    cpu: cpuFromV1({ usage: fx.CPUACCT_USAGE, usagePercpu: fx.CPUACCT_USAGE_PERCPU, usageUser: fx.CPUACCT_USAGE_USER, usageSys: fx.CPUACCT_USAGE_SYS, cpuStat: fx.CPU_STAT_V1 })!,
    systemCpuNs: systemCpuNs(fx.PROC_STAT)!,
    onlineCpus: 2,
    memory,
    pids: pidsFrom('5', fx.PIDS_MAX)!,
    blkio: { serviceBytes: [], serviced: [] },
    networks,
  };
}

/** A later sample: 0.5 s more CPU over 1 s, 2 MB in and 1 MB out on eth0. */
function later(s: StatsSample): StatsSample {
  const eth0 = s.networks!.eth0!;
  return {
    ...s, readAtMs: s.readAtMs + 1000,
    cpu: { ...s.cpu!, totalNs: s.cpu!.totalNs + 500_000_000 },
    systemCpuNs: s.systemCpuNs! + 2_000_000_000,
    networks: { ...s.networks, eth0: { ...eth0, rxBytes: eth0.rxBytes + 2_000_000, txBytes: eth0.txBytes + 1_000_000 } },
  };
}

describe('Docker stats document', () => {
  test('a first sample: Docker\'s keys, zero precpu_stats and Go\'s zero time as preread', () => {
    const doc = dockerStats({ current: captured() }, who);
    assert.deepEqual(Object.keys(doc), [
      'read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks',
    ]);
    assert.equal(doc.read, '2026-12-05T17:00:00.000Z');
    assert.equal(doc.preread, '0001-01-01T00:00:00Z');
    assert.deepEqual(doc.precpu_stats, {
      cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    });
    assert.deepEqual(doc.cpu_stats, {
      cpu_usage: { total_usage: 608719789, percpu_usage: [466489378, 142230411], usage_in_kernelmode: 72000000, usage_in_usermode: 592000000 },
      system_cpu_usage: 17675070000000,
      online_cpus: 2,
      throttling_data: { periods: 27, throttled_periods: 24, throttled_time: 1414773359 },
    });
    assert.deepEqual(doc.pids_stats, { current: 5, limit: 1024 });
    assert.equal(doc.num_procs, 0);
    assert.deepEqual(doc.storage_stats, {});
    assert.equal(doc.name, 'app');
    assert.equal(doc.id, who.id);
    assert.equal(doc.network_rate_stats, undefined, 'no rate without a previous sample');
  });

  test('memory_stats: usage, max_usage, every memory.stat key, limit; failcnt 0 left out as Docker does', () => {
    const m = dockerStats({ current: captured() }, who).memory_stats as Record<string, unknown>;
    assert.deepEqual(Object.keys(m), ['usage', 'max_usage', 'stats', 'limit']);
    assert.equal(m.usage, 425984);
    assert.equal(m.limit, 536870912);
    assert.equal((m.stats as Record<string, number>).total_inactive_file, 0);
  });

  test('blkio_stats has all eight lists, empty rather than null', () => {
    const b = dockerStats({ current: captured() }, who).blkio_stats as Record<string, unknown>;
    assert.equal(Object.keys(b).length, 8);
    for (const [k, v] of Object.entries(b)) assert.deepEqual(v, [], k);
  });

  test('networks: each interface of the task in Docker\'s field names', () => {
    const n = dockerStats({ current: captured() }, who).networks as Record<string, Record<string, number>>;
    assert.deepEqual(Object.keys(n), ['ifb0', 'ifb1', 'eth0']);
    assert.deepEqual(n.eth0, { rx_bytes: 330736950, rx_packets: 20982, rx_errors: 0, rx_dropped: 0, tx_bytes: 1566906, tx_packets: 16918, tx_errors: 0, tx_dropped: 0 });
  });

  test('a second sample: precpu_stats is exactly the first document\'s cpu_stats, preread its read; network rates per second', () => {
    const first = captured();
    const second = later(first);
    const a = dockerStats({ current: first }, who);
    const b = dockerStats({ current: second, previous: first }, who);
    assert.deepEqual(b.precpu_stats, a.cpu_stats);
    assert.equal(b.preread, a.read);
    assert.deepEqual(b.network_rate_stats, { rx_bytes_per_sec: 2_000_000, tx_bytes_per_sec: 1_000_000 });
    // Docker's CPU percentage from the two samples: 0.5 s of 2 s of host CPU time, times 2 CPUs.
    const cpu = b.cpu_stats as { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
    const pre = b.precpu_stats as typeof cpu;
    const percent = ((cpu.cpu_usage.total_usage - pre.cpu_usage.total_usage) / (cpu.system_cpu_usage - pre.system_cpu_usage)) * cpu.online_cpus * 100;
    assert.equal(percent, 50);
  });

  test('v3 leaves out network_rate_stats', () => {
    const first = captured();
    assert.equal(dockerStats({ current: later(first), previous: first }, who, 3).network_rate_stats, undefined);
  });

  test('what the host could not read is left out, not invented', () => {
    const doc = dockerStats({ current: { readAtMs: T0 } }, who);
    assert.deepEqual(doc.memory_stats, {});
    assert.deepEqual(doc.pids_stats, {});
    assert.equal(doc.networks, undefined);
    assert.deepEqual(doc.cpu_stats, dockerStats({ current: captured() }, who).precpu_stats, 'no CPU figures: zeros, like a first precpu');
  });

  test('network rate: none for a zero interval or without networks; a counter going back gives 0, not a negative rate', () => {
    const s = captured();
    assert.equal(networkRate({ current: s, previous: s }), undefined);
    assert.equal(networkRate({ current: { readAtMs: T0 + 1000 }, previous: s }), undefined);
    const back = { ...later(s), networks: { eth0: { ...s.networks!.eth0!, rxBytes: 0 } } };
    assert.deepEqual(networkRate({ current: back, previous: { ...s, networks: { eth0: s.networks!.eth0! } } }), { rx_bytes_per_sec: 0, tx_bytes_per_sec: 0 });
  });
});
