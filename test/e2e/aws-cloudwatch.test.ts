/**
 * CloudWatch metrics end to end against a real `pier up`: PutMetricData, then GetMetricStatistics,
 * GetMetricData and ListMetrics with exact figures, through AWS CLI v2 (Debian's 2.9, Query
 * protocol), AWS CLI v1 (botocore 1.43, JSON 1.0, when installed) and the JS SDK v3 (JSON 1.0 by
 * default, and configured for Smithy RPC v2 CBOR and for Query, the protocols other SDKs use). Bad
 * inputs answer CloudWatch's codes and store nothing. GET /metrics is parsed with a Prometheus
 * text parser (parse-prometheus-text-format) and checked line for line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, InvalidParameterCombinationException, InvalidParameterValueException,
  ListMetricsCommand, PutMetricDataCommand, type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { checkPrometheusText, type PromFamily } from '../helpers/prometheus-text.js';
import { Aws, debianCli, v1Cli } from './aws-cli-support.test.js';

const clis = [debianCli(), ...(v1Cli() ? [v1Cli()!] : [])];
const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A minute boundary a few minutes back: every datapoint lands in a known minute. */
const baseMinute = (): number => Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;

class Cw {
  constructor(readonly aws: Aws) {}
  ok(args: string[]): any {
    return this.aws.ok(args, 'cloudwatch');
  }
  fail(args: string[], code: string, op: string, message: string | RegExp): string {
    return this.aws.fail(args, code, op, message, 'cloudwatch');
  }
  /** Timestamps as epoch ms, whichever way this CLI prints them. */
  ms(v: unknown): number {
    return this.aws.epochMs(v, 'timestamp');
  }
}

for (const cli of clis) {
  describe(`aws cloudwatch with ${cli.name} (${cli.version.split(' ')[0]})`, () => {
    let pier: PierProcess | undefined;
    let cw: Cw;
    const ns = `Pier/E2E-${cli.name}`;
    let t0 = 0;

    before(async () => {
      pier = await startPier();
      cw = new Cw(new Aws(cli, pier));
      t0 = baseMinute();
    });
    after(async () => {
      await pier?.destroy();
    });

    test('put-metric-data: single values, Values with Counts and a statistic set, in one call', () => {
      const web = [{ Name: 'Service', Value: 'web' }];
      cw.ok(['put-metric-data', '--namespace', ns, '--metric-data', JSON.stringify([
        { MetricName: 'Latency', Dimensions: web, Timestamp: iso(t0 + 10_000), Value: 10, Unit: 'Milliseconds' },
        { MetricName: 'Latency', Dimensions: web, Timestamp: iso(t0 + 20_000), Values: [20, 30], Counts: [1, 2], Unit: 'Milliseconds' },
        { MetricName: 'Latency', Dimensions: web, Timestamp: iso(t0 + 70_000), StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 }, Unit: 'Milliseconds' },
        { MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'api' }], Timestamp: iso(t0 + 30_000), Value: 1, Unit: 'Milliseconds' },
      ])]);
      cw.ok(['put-metric-data', '--namespace', ns, '--metric-name', 'Requests', '--value', '3', '--unit', 'Count', '--timestamp', iso(t0 + 5_000)]);
    });

    test('get-metric-statistics: every statistic per minute and over two minutes, percentiles, units', () => {
      const args = ['get-metric-statistics', '--namespace', ns, '--metric-name', 'Latency', '--dimensions', 'Name=Service,Value=web',
        '--start-time', iso(t0), '--end-time', iso(t0 + 3 * MINUTE)];
      const out = cw.ok([...args, '--period', '60', '--statistics', 'SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum']);
      assert.equal(out.Label, 'Latency');
      const points = out.Datapoints.map((d: any) => ({ ...d, Timestamp: cw.ms(d.Timestamp) })).sort((a: any, b: any) => a.Timestamp - b.Timestamp);
      assert.deepEqual(points, [
        { Timestamp: t0, SampleCount: 4, Sum: 90, Average: 22.5, Minimum: 10, Maximum: 30, Unit: 'Milliseconds' },
        { Timestamp: t0 + MINUTE, SampleCount: 4, Sum: 40, Average: 10, Minimum: 5, Maximum: 15, Unit: 'Milliseconds' },
      ]);
      const two = cw.ok([...args, '--period', '120', '--statistics', 'SampleCount', 'Sum']).Datapoints;
      assert.deepEqual(two.map((d: any) => [cw.ms(d.Timestamp), d.SampleCount, d.Sum]), [[t0, 8, 130]]);
      const pct = cw.ok([...args, '--period', '60', '--extended-statistics', 'p50', 'p100']).Datapoints
        .sort((a: any, b: any) => cw.ms(a.Timestamp) - cw.ms(b.Timestamp));
      assert.deepEqual(pct[0].ExtendedStatistics, { p50: 20, p100: 30 });
      assert.deepEqual(pct[1].ExtendedStatistics ?? {}, {}, 'a statistic set of several values has no percentiles');
      assert.deepEqual(cw.ok([...args, '--period', '60', '--statistics', 'Sum', '--unit', 'Seconds']).Datapoints, [], 'no data in another unit');
      assert.deepEqual(cw.ok([...args, '--period', '10', '--statistics', 'Sum']).Datapoints, [], 'standard-resolution data has no 10-second periods');
    });

    test('get-metric-data: statistics, metric math over ids and lists, scan order, labels', () => {
      const metric = (service: string) => ({ Namespace: ns, MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: service }] });
      const queries = [
        { Id: 'web', MetricStat: { Metric: metric('web'), Period: 60, Stat: 'Sum' } },
        { Id: 'api', MetricStat: { Metric: metric('api'), Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'tenth', Expression: 'web / 10', Label: 'web tenth' },
        { Id: 'both', Expression: 'SUM([web, api])' },
        { Id: 'p', MetricStat: { Metric: metric('web'), Period: 60, Stat: 'p50' } },
      ];
      const run = (extra: string[]): any[] => cw.ok(['get-metric-data', '--metric-data-queries', JSON.stringify(queries),
        '--start-time', iso(t0), '--end-time', iso(t0 + 3 * MINUTE), ...extra]).MetricDataResults
        .map((r: any) => ({ Id: r.Id, Label: r.Label, Timestamps: r.Timestamps.map((t: unknown) => cw.ms(t)), Values: r.Values, StatusCode: r.StatusCode }));
      const m1 = t0 + MINUTE;
      assert.deepEqual(run([]), [
        { Id: 'web', Label: 'Latency', Timestamps: [m1, t0], Values: [40, 90], StatusCode: 'Complete' },
        { Id: 'tenth', Label: 'web tenth', Timestamps: [m1, t0], Values: [4, 9], StatusCode: 'Complete' },
        { Id: 'both', Label: 'both', Timestamps: [m1, t0], Values: [40, 91], StatusCode: 'Complete' },
        { Id: 'p', Label: 'Latency', Timestamps: [t0], Values: [20], StatusCode: 'Complete' },
      ]);
      assert.deepEqual(run(['--scan-by', 'TimestampAscending'])[0], { Id: 'web', Label: 'Latency', Timestamps: [t0, m1], Values: [90, 40], StatusCode: 'Complete' });
    });

    test('list-metrics: by namespace, name and dimension filters', () => {
      const names = (args: string[]): string[] => cw.ok(['list-metrics', '--namespace', ns, ...args]).Metrics
        .map((m: any) => `${m.MetricName}${m.Dimensions.map((d: any) => ` ${d.Name}=${d.Value}`).join('')}`);
      assert.deepEqual(names([]), ['Latency Service=api', 'Latency Service=web', 'Requests']);
      assert.deepEqual(names(['--dimensions', 'Name=Service,Value=web']), ['Latency Service=web']);
      assert.deepEqual(names(['--dimensions', 'Name=Service']), ['Latency Service=api', 'Latency Service=web']);
      assert.deepEqual(names(['--metric-name', 'Requests']), ['Requests']);
      assert.deepEqual(names(['--recently-active', 'PT3H']), ['Latency Service=api', 'Latency Service=web', 'Requests']);
      assert.deepEqual(names(['--metric-name', 'Nope']), []);
    });

    test('bad input answers CloudWatch\'s codes and stores nothing', () => {
      const datum = (extra: Record<string, unknown>) => JSON.stringify([{ MetricName: 'Good', Value: 1 }, { MetricName: 'Bad', ...extra }]);
      cw.fail(['put-metric-data', '--namespace', 'AWS/EC2', '--metric-name', 'x', '--value', '1'], 'InvalidParameterValue', 'PutMetricData', 'The value AWS/EC2 for parameter Namespace is invalid.');
      cw.fail(['put-metric-data', '--namespace', ns, '--metric-data', datum({ Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } })],
        'InvalidParameterCombination', 'PutMetricData', 'The parameters MetricData.member.2.Value and MetricData.member.2.StatisticValues are mutually exclusive and you have specified both.');
      cw.fail(['put-metric-data', '--namespace', ns, '--metric-data', datum({ Values: [1, 2], Counts: [1] })],
        'InvalidParameterValue', 'PutMetricData', 'The parameters MetricData.member.2.Values and MetricData.member.2.Counts must be of the same size.');
      cw.fail(['put-metric-data', '--namespace', ns, '--metric-data', datum({ Value: 1, Timestamp: iso(Date.now() - 15 * 86_400_000) })],
        'InvalidParameterValue', 'PutMetricData', /^The parameter MetricData\.member\.2\.Timestamp must specify a time no more than two weeks in the past/);
      cw.fail(['put-metric-data', '--namespace', ns, '--metric-data', datum({ Value: 1, StorageResolution: 5 })],
        'InvalidParameterValue', 'PutMetricData', /MetricData\.member\.2\.StorageResolution is invalid/);
      cw.fail(['put-metric-data', '--namespace', ns, '--metric-data', datum({ Value: 1, Dimensions: [{ Name: 'a', Value: 'x'.repeat(1025) }] })],
        'InvalidParameterValue', 'PutMetricData', 'The parameter MetricData.member.2.Dimensions.member.1.Value must be shorter than 1025 characters.');
      assert.deepEqual(cw.ok(['list-metrics', '--namespace', ns, '--metric-name', 'Good']).Metrics, [], 'a refused batch stores none of its data');

      const stats = ['get-metric-statistics', '--namespace', ns, '--metric-name', 'Latency', '--start-time', iso(t0), '--end-time', iso(t0 + 3 * MINUTE)];
      cw.fail([...stats, '--period', '60', '--statistics', 'Sum', '--extended-statistics', 'p50'], 'InvalidParameterCombination', 'GetMetricStatistics',
        'Must specify either Statistics or ExtendedStatistics, but not both.');
      cw.fail([...stats, '--period', '7', '--statistics', 'Sum'], 'InvalidParameterValue', 'GetMetricStatistics', 'The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60.');
      cw.fail([...stats, '--period', '60', '--extended-statistics', 'p101'], 'InvalidParameterValue', 'GetMetricStatistics', /^The value p101 for parameter ExtendedStatistics\.member\.1 is not supported/);
      cw.fail(['get-metric-statistics', '--namespace', ns, '--metric-name', 'Latency', '--start-time', iso(t0 - 86_400_000), '--end-time', iso(t0), '--period', '1', '--statistics', 'Sum'],
        'InvalidParameterCombination', 'GetMetricStatistics',
        'You have requested up to 86400 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.');
      cw.fail(['get-metric-statistics', '--namespace', ns, '--metric-name', 'Latency', '--start-time', iso(t0), '--end-time', iso(t0), '--period', '60', '--statistics', 'Sum'],
        'InvalidParameterValue', 'GetMetricStatistics', 'The parameter StartTime must be less than the parameter EndTime.');
      const gmd = (queries: unknown[]) => ['get-metric-data', '--metric-data-queries', JSON.stringify(queries), '--start-time', iso(t0), '--end-time', iso(t0 + MINUTE)];
      cw.fail(gmd([{ Id: 'Upper', Expression: '1' }]), 'ValidationError', 'GetMetricData', /^The value Upper for parameter MetricDataQueries\.member\.1\.Id is invalid/);
      cw.fail(gmd([{ Id: 'e1', Expression: 'm9 * 2' }]), 'ValidationError', 'GetMetricData', 'Error in expression e1: Unrecognized metric or expression id: m9');
      cw.fail(gmd([{ Id: 'e1', Expression: 'e1 + 1' }]), 'ValidationError', 'GetMetricData', 'Error in expression e1: circular dependency between expressions.');
      cw.fail(gmd([{ Id: 'm1', MetricStat: { Metric: { Namespace: ns, MetricName: 'Latency' }, Period: 60, Stat: 'Median' } }]),
        'ValidationError', 'GetMetricData', 'The value Median for parameter MetricDataQueries.member.1.MetricStat.Stat is invalid.');
    });
  });
}

describe('CloudWatch with the JS SDK v3 in JSON 1.0, Smithy RPC v2 CBOR and Query', () => {
  let pier: PierProcess;
  let t0 = 0;
  const clients = new Map<string, CloudWatchClient>();

  before(async () => {
    pier = await startPier();
    t0 = baseMinute();
    const base = { endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey } };
    clients.set('json', new CloudWatchClient(base));
    // This SDK build hangs gzip-compressing CBOR bodies over 10 KB (before sending anything), so the
    // CBOR client sends them as they are; JSON and Query exercise Pier's gzip path.
    clients.set('cbor', new CloudWatchClient({ ...base, disableRequestCompression: true, protocol: new AwsSmithyRpcV2CborProtocol({ defaultNamespace: 'com.amazonaws.cloudwatch', awsQueryCompatible: true }) }));
    clients.set('query', new CloudWatchClient({
      ...base, protocol: new AwsQueryProtocol({ defaultNamespace: 'com.amazonaws.cloudwatch', xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/', version: '2010-08-01' }),
    }));
  });
  after(async () => {
    for (const c of clients.values()) c.destroy();
    await pier?.destroy();
  });

  for (const protocol of ['json', 'cbor', 'query']) {
    test(`${protocol}: high-resolution data in 10-second periods, paging GetMetricData, 501 metrics in two ListMetrics pages`, async () => {
      const cw = clients.get(protocol)!;
      const ns = `Pier/Sdk-${protocol}`;
      // 501 metrics (504 data) in one call: over 10 KB, so the SDK sends it gzip-compressed.
      await cw.send(new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          ...[1, 2, 3, 4].map((v, i) => ({ MetricName: 'Hot', Value: v, StorageResolution: 1, Timestamp: new Date(t0 + i * 5_000), Unit: 'Count' as const })),
          ...Array.from({ length: 500 }, (_, i) => ({ MetricName: 'Many', Dimensions: [{ Name: 'N', Value: String(i).padStart(3, '0') }], Value: i, Timestamp: new Date(t0) })),
        ],
      }));
      const stats = await cw.send(new GetMetricStatisticsCommand({
        Namespace: ns, MetricName: 'Hot', StartTime: new Date(t0), EndTime: new Date(t0 + MINUTE), Period: 10, Statistics: ['Sum', 'SampleCount'],
      }));
      assert.deepEqual(stats.Datapoints!.map((d) => [d.Timestamp!.getTime(), d.Sum, d.SampleCount, d.Unit]).sort((a, b) => (a[0] as number) - (b[0] as number)),
        [[t0, 3, 2, 'Count'], [t0 + 10_000, 7, 2, 'Count']]);

      const pages: MetricDataResult[][] = [];
      let token: string | undefined;
      do {
        const out = await cw.send(new GetMetricDataCommand({
          StartTime: new Date(t0), EndTime: new Date(t0 + MINUTE), MaxDatapoints: 3, ScanBy: 'TimestampAscending', ...(token ? { NextToken: token } : {}),
          MetricDataQueries: [{ Id: 'h', MetricStat: { Metric: { Namespace: ns, MetricName: 'Hot' }, Period: 5, Stat: 'Maximum' } }],
        }));
        pages.push(out.MetricDataResults!);
        token = out.NextToken;
      } while (token && pages.length < 5);
      assert.deepEqual(pages.map((p) => [p[0]!.Values, p[0]!.StatusCode]), [[[1, 2, 3], 'PartialData'], [[4], 'Complete']]);
      assert.deepEqual(pages[1]![0]!.Timestamps!.map((d) => d.getTime()), [t0 + 15_000]);

      const first = await cw.send(new ListMetricsCommand({ Namespace: ns }));
      assert.equal(first.Metrics!.length, 500);
      assert.ok(first.NextToken);
      const second = await cw.send(new ListMetricsCommand({ Namespace: ns, NextToken: first.NextToken }));
      assert.equal(second.Metrics!.length, 1);
      assert.equal(second.NextToken, undefined);
      assert.deepEqual(second.Metrics![0], { Namespace: ns, MetricName: 'Many', Dimensions: [{ Name: 'N', Value: '499' }] });
    });

    test(`${protocol}: errors arrive as the SDK's modelled exceptions with CloudWatch's codes`, async () => {
      const cw = clients.get(protocol)!;
      await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }] })),
        (e: unknown) => e instanceof InvalidParameterValueException && (e as { Code?: string }).Code === 'InvalidParameterValue'
          && e.message === 'The value AWS/Lambda for parameter Namespace is invalid.' && e.$metadata.httpStatusCode === 400);
      await assert.rejects(cw.send(new GetMetricStatisticsCommand({
        Namespace: 'x', MetricName: 'y', StartTime: new Date(t0), EndTime: new Date(t0 + MINUTE), Period: 60, Statistics: ['Sum'], ExtendedStatistics: ['p9'],
      })), (e: unknown) => e instanceof InvalidParameterCombinationException && (e as { Code?: string }).Code === 'InvalidParameterCombination');
      await assert.rejects(cw.send(new GetMetricDataCommand({
        StartTime: new Date(t0), EndTime: new Date(t0 + MINUTE), NextToken: 'bm90IGEgdG9rZW4',
        MetricDataQueries: [{ Id: 'a', Expression: '1 + 1' }],
      })), (e: unknown) => (e as { name?: string }).name === 'InvalidNextToken');
    });
  }

  test('GET /metrics: Prometheus text that a parser reads whole, counting these calls by protocol-independent operation', async () => {
    const res = await fetch(`${pier.endpoint}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const families = checkPrometheusText(text);
    const family = (name: string): PromFamily => {
      const f = families.find((x) => x.name === name);
      assert.ok(f, `${name} in /metrics`);
      return f;
    };
    const requests = family('pier_api_requests_total');
    assert.equal(requests.type, 'COUNTER');
    const count = (operation: string, code: string): number => Number(requests.metrics.find((m) => m.labels?.service === 'monitoring' && m.labels.operation === operation && m.labels.code === code)?.value ?? 0);
    assert.equal(count('PutMetricData', '2xx'), 3, 'one PutMetricData per protocol');
    assert.equal(count('PutMetricData', '4xx'), 3);
    assert.equal(count('ListMetrics', '2xx'), 6);
    assert.equal(family('pier_api_request_duration_seconds').type, 'HISTOGRAM');
    assert.equal(family('pier_event_loop_delay_seconds').type, 'GAUGE');
    assert.deepEqual(family('pier_task_convergence_lag_seconds').metrics.map((m) => [m.labels?.direction, Number(m.value)]), [['start', 0], ['stop', 0]]);
  });
});
