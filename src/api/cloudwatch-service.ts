/**
 * The CloudWatch subset Pier serves (signing name `monitoring`): PutMetricData,
 * GetMetricStatistics, GetMetricData, ListMetrics and, given the alarms context, the metric alarm
 * operations (PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric, DeleteAlarms, SetAlarmState,
 * EnableAlarmActions, DisableAlarmActions, DescribeAlarmHistory), in every protocol the monitoring model lists,
 * because its clients differ: AWS CLI v1 (botocore 1.43) and the JS SDK v3 speak AWS JSON 1.0
 * (`GraniteServiceVersion20100801.<Op>`, query-compatible), AWS CLI v2 2.9 speaks Query, and the Go
 * SDK v2 speaks Smithy RPC v2 CBOR. One handler per operation (src/metrics/); this module frames.
 *
 * Errors in JSON and CBOR carry the model's shape id in `__type`
 * (`com.amazonaws.cloudwatch#InvalidParameterValueException`) and the Query code in
 * `x-amzn-query-error: InvalidParameterValue;Sender`, which query-compatible clients read; in Query
 * they are `<ErrorResponse>` XML. Bodies sent gzip-compressed (the SDKs compress large
 * PutMetricData calls) are inflated first, up to AWS's 1 MB.
 */
import { gunzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, RequestEntityTooLargeException, SerializationException, UnknownOperationException } from '../ecs/errors.js';
import type { Logger } from '../lib/logger.js';
import type { MetricsContext } from '../metrics/context.js';
import { CloudWatchError, InternalServiceFault } from '../metrics/errors.js';
import { getMetricData } from '../metrics/get-metric-data.js';
import { getMetricStatistics } from '../metrics/get-metric-statistics.js';
import { listMetrics } from '../metrics/list-metrics.js';
import { putMetricData } from '../metrics/put-metric-data.js';
import type { AlarmsContext } from '../metrics/alarms/context.js';
import { describeAlarms, describeAlarmsForMetric } from '../metrics/alarms/describe-alarms.js';
import { describeAlarmHistory } from '../metrics/alarms/history.js';
import { deleteAlarms, disableAlarmActions, enableAlarmActions, setAlarmState } from '../metrics/alarms/manage-alarms.js';
import { putMetricAlarm } from '../metrics/alarms/put-metric-alarm.js';
import { CborDecodeError, decodeCbor, encodeCbor } from './cbor/codec.js';
import { readInput, writeOutput, type WireFormat } from './cloudwatch-shapes.js';
import { operationOf, protocolOf, servedOperation, type FramedService } from './framed-service.js';
import type { CallContext } from './json-service.js';
import { ServiceModel } from './model/service-model.js';
import { handleQuery, sendQueryError, type QueryOperation, type QueryService } from './query-service.js';

type Handler = (ctx: MetricsContext, input: never) => Promise<unknown>;
type AlarmHandler = (ctx: AlarmsContext, input: never) => Promise<unknown>;

const METRIC_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['PutMetricData', putMetricData],
  ['GetMetricStatistics', getMetricStatistics],
  ['GetMetricData', getMetricData],
  ['ListMetrics', listMetrics],
]);

const ALARM_HANDLERS: ReadonlyMap<string, AlarmHandler> = new Map<string, AlarmHandler>([
  ['PutMetricAlarm', putMetricAlarm],
  ['DescribeAlarms', describeAlarms],
  ['DescribeAlarmsForMetric', describeAlarmsForMetric],
  ['DeleteAlarms', deleteAlarms],
  ['SetAlarmState', setAlarmState],
  ['EnableAlarmActions', enableAlarmActions],
  ['DisableAlarmActions', disableAlarmActions],
  ['DescribeAlarmHistory', describeAlarmHistory],
]);

export const MAX_INFLATED_BYTES = 1024 * 1024;
const NAMESPACE = 'com.amazonaws.cloudwatch';
const JSON_10 = 'application/x-amz-json-1.0';

/**
 * The model as the Query codec reads it: protocol `query`, and no constraints, which readInput
 * checks for all three protocols with CloudWatch's own error codes.
 */
function queryView(json: Record<string, unknown>): ServiceModel {
  const shapes = Object.fromEntries(Object.entries(json.shapes as Record<string, Record<string, unknown>>).map(([name, s]) => {
    const { required: _r, min: _min, max: _max, pattern: _p, enum: _e, ...rest } = s;
    return [name, rest];
  }));
  return ServiceModel.fromJson({ ...json, metadata: { ...(json.metadata as object), protocol: 'query' }, shapes });
}

export function cloudwatchService(ctx: MetricsContext, modelJson: Record<string, unknown>, alarms?: AlarmsContext): FramedService {
  const model = ServiceModel.fromJson(modelJson);
  const handlers = new Map<string, (input: never) => Promise<unknown>>([
    ...[...METRIC_HANDLERS].map(([name, h]): [string, (input: never) => Promise<unknown>] => [name, (input) => h(ctx, input)]),
    ...(alarms ? [...ALARM_HANDLERS].map(([name, h]): [string, (input: never) => Promise<unknown>] => [name, (input) => h(alarms, input)]) : []),
  ]);
  for (const name of handlers.keys()) if (!model.hasOperation(name)) throw new Error(`the monitoring model has no operation ${name}`);
  const run = async (operation: string, raw: unknown, wire: WireFormat): Promise<unknown> => {
    const handler = handlers.get(operation);
    if (!handler || !model.hasOperation(operation)) {
      throw new UnknownOperationException(`Pier does not serve ${operation}. Served: ${[...handlers.keys()].join(', ')}.`);
    }
    return handler(readInput(model, operation, raw, wire) as never);
  };
  const query: QueryService = {
    signingName: 'monitoring',
    model: queryView(modelJson),
    xmlNamespace: String((modelJson.metadata as Record<string, unknown>).xmlNamespace),
    operations: new Map([...handlers.keys()].map((name): [string, QueryOperation] => [
      name, async (input) => (await run(name, input, 'query')) as Record<string, unknown> | undefined,
    ])),
  };

  const handle = async (req: IncomingMessage, url: URL, raw: Buffer, call: CallContext, res: ServerResponse, log: Logger): Promise<void> => {
    const protocol = protocolOf(req, url);
    try {
      const body = inflate(req, raw);
      if (body !== raw) servedOperation.set(req, operationOf(req, url, body, true) ?? 'unknown');
      if (protocol === 'query') {
        await handleQuery(query, url, body, call, res, log);
        return;
      }
      const operation = protocol === 'json' ? jsonOperation(req, model) : cborOperation(url, model);
      const input = protocol === 'json' ? parseJson(body) : parseCbor(body);
      const output = writeOutput(model, operation, await run(operation, input, protocol === 'json' ? 'json' : 'cbor'), protocol === 'json' ? 'json' : 'cbor');
      if (protocol === 'json') send(res, call.requestId, 200, { 'content-type': JSON_10 }, JSON.stringify(output ?? {}));
      else send(res, call.requestId, 200, cborHeaders(output !== undefined), output === undefined ? Buffer.alloc(0) : encodeCbor(output));
    } catch (err) {
      let aws: AwsError;
      if (err instanceof AwsError) aws = err;
      else {
        log.error('internal error', { requestId: call.requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
        aws = new InternalServiceFault('Internal error');
      }
      if (protocol === 'query') sendQueryError(res, call.requestId, aws, query);
      else sendError(protocol, res, call.requestId, aws);
    }
  };
  return {
    signingName: 'monitoring',
    operations: [...handlers.keys()],
    handle,
    sendError: (req, url, res, requestId, err) => {
      const protocol = protocolOf(req, url);
      if (protocol === 'query') sendQueryError(res, requestId, err, query);
      else sendError(protocol, res, requestId, err);
    },
  };
}

function inflate(req: IncomingMessage, body: Buffer): Buffer {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return body;
  if (encoding !== 'gzip') throw new SerializationException(`Content-Encoding ${encoding} is not supported; send gzip or nothing.`);
  try {
    return gunzipSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RequestEntityTooLargeException(`Request body is larger than ${MAX_INFLATED_BYTES} bytes once inflated.`);
    }
    throw new SerializationException('Request body is not valid gzip.');
  }
}

function jsonOperation(req: IncomingMessage, model: ServiceModel): string {
  const target = req.headers['x-amz-target'];
  const prefix = `${model.targetPrefix}.`;
  if (typeof target !== 'string' || !target.startsWith(prefix)) throw new UnknownOperationException(`Unknown operation ${String(target)}`);
  return target.slice(prefix.length);
}

function cborOperation(url: URL, model: ServiceModel): string {
  const m = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(url.pathname);
  if (!m || m[1] !== model.targetPrefix) throw new UnknownOperationException(`Unknown operation path ${url.pathname}`);
  return m[2]!;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new SerializationException('Request body is not valid JSON.');
  }
}

function parseCbor(body: Buffer): unknown {
  try {
    return decodeCbor(body) ?? {};
  } catch (err) {
    if (err instanceof CborDecodeError) throw new SerializationException(`Request body is not valid CBOR: ${err.message}`);
    throw err;
  }
}

function cborHeaders(hasBody: boolean): Record<string, string> {
  return { 'smithy-protocol': 'rpc-v2-cbor', ...(hasBody ? { 'content-type': 'application/cbor' } : {}) };
}

function send(res: ServerResponse, requestId: string, status: number, headers: Record<string, string>, body: string | Uint8Array): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId });
  res.end(body);
}

/** JSON and CBOR errors: the shape id in `__type`, the Query code in `x-amzn-query-error`. */
function sendError(protocol: 'json' | 'rpc-v2-cbor', res: ServerResponse, requestId: string, err: AwsError): void {
  const type = err instanceof CloudWatchError && err.shape ? `${NAMESPACE}#${err.shape}` : err.code;
  const headers = {
    'x-amzn-query-error': `${err.code};${err.fault === 'server' ? 'Receiver' : 'Sender'}`,
    'x-amzn-errortype': err.code,
  };
  const body = { __type: type, message: err.message };
  if (protocol === 'json') send(res, requestId, err.status, { ...headers, 'content-type': JSON_10 }, JSON.stringify(body));
  else send(res, requestId, err.status, { ...headers, ...cborHeaders(true) }, encodeCbor(body));
}
