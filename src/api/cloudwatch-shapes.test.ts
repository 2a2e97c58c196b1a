import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SerializationException } from '../ecs/errors.js';
import { InvalidParameterValueException, MissingRequiredParameterException, ValidationError } from '../metrics/errors.js';
import { readInput, writeOutput } from './cloudwatch-shapes.js';
import { ServiceModel } from './model/service-model.js';

const model = ServiceModel.fromJson(JSON.parse(readFileSync(fileURLToPath(new URL('../../../models/monitoring-2010-08-01.json', import.meta.url)), 'utf8')));

test('timestamps arrive as epoch seconds (JSON), Dates (CBOR) or ISO text (Query) and become epoch ms', () => {
  const input = (t: unknown, wire: 'json' | 'cbor' | 'query') => readInput(model, 'GetMetricStatistics', {
    Namespace: 'n', MetricName: 'm', StartTime: t, EndTime: t, Period: 60, Statistics: ['Sum'],
  }, wire).StartTime;
  assert.equal(input(1_700_000_000.5, 'json'), 1_700_000_000_500);
  assert.equal(input(new Date(1_700_000_000_000), 'cbor'), 1_700_000_000_000);
  assert.equal(input('2023-11-14T22:13:20Z', 'query'), 1_700_000_000_000);
  assert.equal(input('1700000000', 'query'), 1_700_000_000_000);
});

test('problems are CloudWatch\'s codes with Query member paths; GetMetricData answers ValidationError', () => {
  const put = (body: unknown, wire: 'json' | 'cbor' | 'query' = 'json') => () => readInput(model, 'PutMetricData', body, wire);
  assert.throws(put({ MetricData: [] }), (e: unknown) => e instanceof MissingRequiredParameterException && e.message === 'The parameter Namespace is required.');
  assert.throws(put({ Namespace: 'n', MetricData: [{ Value: 1 }] }), /The parameter MetricData\.member\.1\.MetricName is required\./);
  assert.throws(put({ Namespace: 'n', MetricData: [{ MetricName: 'm', Unit: 'Parsecs' }] }), (e: unknown) => e instanceof InvalidParameterValueException
    && /^The parameter MetricData\.member\.1\.Unit must be a value in the set \[Seconds, /.test((e as Error).message));
  assert.throws(put({ Namespace: ':x', MetricData: [] }), /The value :x for parameter Namespace is invalid\./);
  assert.throws(put({ Namespace: 'n'.repeat(256) }), /The parameter Namespace must be shorter than 256 characters\./);
  assert.throws(put({ Namespace: 'n', MetricData: [{ MetricName: 'm', Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) }] }),
    /The collection MetricData\.member\.1\.Dimensions must not have a size greater than 30\./);
  assert.throws(put({ Namespace: 'n', MetricData: [{ MetricName: 'm', Value: 'one' }] }), SerializationException);
  assert.throws(put({ Namespace: 'n', MetricData: [{ MetricName: 'm', StorageResolution: 0 }] }), /StorageResolution must be greater than or equal to 1/);
  assert.throws(() => readInput(model, 'GetMetricData', { MetricDataQueries: [], StartTime: 1 }, 'json'), (e: unknown) => e instanceof ValidationError && /EndTime is required/.test((e as Error).message));
});

test('replies: timestamps go out as epoch seconds for JSON and Dates for CBOR; absent members are left out', () => {
  const out = { Label: 'm', Datapoints: [{ Timestamp: 1_700_000_000_000, Sum: 1, Average: undefined }] };
  assert.deepEqual(writeOutput(model, 'GetMetricStatistics', out, 'json'), { Label: 'm', Datapoints: [{ Timestamp: 1_700_000_000, Sum: 1 }] });
  assert.deepEqual(writeOutput(model, 'GetMetricStatistics', out, 'cbor'), { Label: 'm', Datapoints: [{ Timestamp: new Date(1_700_000_000_000), Sum: 1 }] });
  assert.equal(writeOutput(model, 'PutMetricData', undefined, 'json'), undefined);
});
