/**
 * The HTTP edge with raw requests against real `pier up` processes: SigV4 checks, AWS JSON 1.1
 * error framing, body validation, unknown operations and services, the body size limit, the
 * --allow-reset admin call (HTTP and `pier reset`), `pier env`, a fixed account identity, signals
 * and restarts on the same data dir.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '../../src/api/auth/sign.js';
import { defaultNetwork } from '../helpers/ec2-query.js';
import { PIER_MAIN, startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';
const JSON_11 = 'application/x-amz-json-1.1';
const MIB = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RawResponse { status: number; headers: IncomingHttpHeaders; text: string; json: any }

/** One HTTP request with exactly these headers and body (node:http, so Host can be set as signed). */
function rawRequest(endpoint: string, opts: { method?: string; path?: string; headers: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<RawResponse> {
  const url = new URL(opts.path ?? '/', endpoint);
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = request(url, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and close before it has read a large body; only fail if no answer came.
    req.on('error', (err) => {
      if (!responded) reject(err);
    });
    if (opts.body !== undefined && opts.chunked) {
      const body = Buffer.from(opts.body);
      const step = 256 * 1024;
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

interface Creds { accessKeyId: string; secretAccessKey: string }

interface SignOptions {
  creds?: Creds;
  region?: string;
  service?: string;
  nowMs?: number;
  path?: string;
  method?: string;
  /** Extra headers to sign. */
  headers?: Record<string, string>;
}

/** Headers for a SigV4-signed request as an AWS client would send it. */
function signFor(p: PierProcess, target: string | undefined, body: string | Buffer, o: SignOptions = {}): Record<string, string> {
  const url = new URL(o.path ?? '/', p.endpoint);
  return signRequest(
    {
      method: o.method ?? 'POST', host: url.host, url: o.path ?? '/', body,
      headers: { 'content-type': JSON_11, ...(target !== undefined ? { 'x-amz-target': target } : {}), ...o.headers },
    },
    o.creds ?? { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
    o.region ?? p.region,
    o.service ?? 'ecs',
    o.nowMs ?? Date.now(),
  );
}

/** A correctly signed ECS call. */
async function ecsCall(p: PierProcess, action: string, input: unknown, o: SignOptions = {}): Promise<RawResponse> {
  const body = JSON.stringify(input);
  return rawRequest(p.endpoint, { headers: signFor(p, `${TARGET_PREFIX}.${action}`, body, o), body });
}

async function listClusterArns(p: PierProcess): Promise<string[]> {
  const res = await ecsCall(p, 'ListClusters', {});
  assert.equal(res.status, 200, res.text);
  return (res.json.clusterArns as string[]).sort();
}

/** Every AWS-protocol error: status, x-amzn-ErrorType == __type, x-amzn-RequestId, JSON 1.1 content type. */
function assertAwsError(res: RawResponse, status: number, type: string, message?: string | RegExp): void {
  assert.equal(res.status, status, `status for ${type}: ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `JSON error body: ${res.text}`);
  assert.equal(res.json.__type, type, res.text);
  assert.equal(res.headers['x-amzn-errortype'], res.json.__type, 'x-amzn-ErrorType header equals body __type');
  assert.match(String(res.headers['x-amzn-requestid'] ?? ''), UUID, 'x-amzn-RequestId header');
  assert.equal(res.headers['content-type'], JSON_11);
  assert.equal(typeof res.json.message, 'string');
  if (typeof message === 'string') assert.equal(res.json.message, message);
  else if (message) assert.match(res.json.message, message);
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [PIER_MAIN, ...args], { env: { ...process.env, PIER_LOG_LEVEL: 'warn' }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function waitExit(p: PierProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve({ code: p.child.exitCode, signal: p.child.signalCode });
  return new Promise((resolve) => p.child.once('exit', (code, signal) => resolve({ code, signal })));
}

const processes: PierProcess[] = [];
const tempDirs: string[] = [];

async function pierUp(opts: Parameters<typeof startPier>[0] = {}): Promise<PierProcess> {
  const p = await startPier(opts);
  processes.push(p);
  return p;
}

after(async () => {
  for (const p of processes) await p.destroy();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('SigV4, framing and validation at the edge', () => {
  let pier: PierProcess;
  let baseline: string[];

  before(async () => {
    pier = await pierUp();
    const created = await ecsCall(pier, 'CreateCluster', { clusterName: 'edge-existing' });
    assert.equal(created.status, 200, created.text);
    baseline = await listClusterArns(pier);
  });

  // Each bad request carries a body that WOULD create a cluster if it were processed.
  let ghost = 0;
  const ghostBody = (): string => JSON.stringify({ clusterName: `edge-ghost-${++ghost}` });
  const createTarget = `${TARGET_PREFIX}.CreateCluster`;

  test('a correctly signed request works and is framed as AWS JSON 1.1', async () => {
    const res = await ecsCall(pier, 'ListClusters', {});
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], JSON_11);
    assert.match(String(res.headers['x-amzn-requestid']), UUID);
    assert.deepEqual(res.json.clusterArns, baseline);
    // No-parameter calls may send an empty body.
    const empty = await rawRequest(pier.endpoint, { headers: signFor(pier, `${TARGET_PREFIX}.ListClusters`, ''), body: '' });
    assert.equal(empty.status, 200, empty.text);
  });

  test('missing Authorization -> 403 MissingAuthenticationTokenException', async () => {
    const body = ghostBody();
    const headers = signFor(pier, createTarget, body);
    delete headers.authorization;
    assertAwsError(await rawRequest(pier.endpoint, { headers, body }), 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    // A non-AWS4 scheme carries no token either.
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, authorization: 'Bearer abc' }, body }), 403, 'MissingAuthenticationTokenException');
  });

  test('malformed Authorization -> 400 IncompleteSignatureException', async () => {
    const body = ghostBody();
    const headers = signFor(pier, createTarget, body);
    const credentialOnly = headers.authorization!.split(',')[0]!;
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, authorization: credentialOnly }, body }),
      400, 'IncompleteSignatureException', /requires 'Signature' parameter/);
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, authorization: 'AWS4-HMAC-SHA256 garbage' }, body }),
      400, 'IncompleteSignatureException', /not a valid key=value pair/);
    const shortCredential = headers.authorization!.replace(/Credential=[^,]+/, `Credential=${pier.accessKeyId}/20240101/aws4_request`);
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, authorization: shortCredential }, body }),
      400, 'IncompleteSignatureException', /5 slash-delimited/);
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, 'x-amz-date': 'yesterday' }, body }),
      400, 'IncompleteSignatureException', /ISO-8601/);
  });

  test('unknown access key -> 403 UnrecognizedClientException', async () => {
    const body = ghostBody();
    const headers = signFor(pier, createTarget, body, { creds: { accessKeyId: 'AKIANOTAREALKEY00000', secretAccessKey: pier.secretAccessKey } });
    assertAwsError(await rawRequest(pier.endpoint, { headers, body }), 403, 'UnrecognizedClientException',
      'The security token included in the request is invalid.');
  });

  test('wrong secret -> 403 InvalidSignatureException', async () => {
    const body = ghostBody();
    const headers = signFor(pier, createTarget, body, { creds: { accessKeyId: pier.accessKeyId, secretAccessKey: `${pier.secretAccessKey}x` } });
    assertAwsError(await rawRequest(pier.endpoint, { headers, body }), 403, 'InvalidSignatureException',
      /The request signature we calculated does not match the signature you provided/);
  });

  test('X-Amz-Date 16 minutes old -> 403 Signature expired; 14 minutes old -> accepted', async () => {
    const body = ghostBody();
    const old = signFor(pier, createTarget, body, { nowMs: Date.now() - 16 * 60_000 });
    assertAwsError(await rawRequest(pier.endpoint, { headers: old, body }), 403, 'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const future = signFor(pier, createTarget, body, { nowMs: Date.now() + 16 * 60_000 });
    assertAwsError(await rawRequest(pier.endpoint, { headers: future, body }), 403, 'InvalidSignatureException', /^Signature not yet current/);

    const fresh = JSON.stringify({});
    const ok = await rawRequest(pier.endpoint, { headers: signFor(pier, `${TARGET_PREFIX}.ListClusters`, fresh, { nowMs: Date.now() - 14 * 60_000 }), body: fresh });
    assert.equal(ok.status, 200, ok.text);
    const ahead = await rawRequest(pier.endpoint, { headers: signFor(pier, `${TARGET_PREFIX}.ListClusters`, fresh, { nowMs: Date.now() + 14 * 60_000 }), body: fresh });
    assert.equal(ahead.status, 200, ahead.text);
  });

  test('wrong region in the credential scope -> 403', async () => {
    const body = ghostBody();
    const region = pier.region === 'eu-central-1' ? 'us-west-2' : 'eu-central-1';
    assertAwsError(await rawRequest(pier.endpoint, { headers: signFor(pier, createTarget, body, { region }), body }),
      403, 'InvalidSignatureException', /Credential should be scoped to a valid region/);
  });

  test('a body or signed header tampered with after signing -> 403', async () => {
    const body = ghostBody();
    const headers = signFor(pier, createTarget, body);
    assertAwsError(await rawRequest(pier.endpoint, { headers, body: body.replace('edge-ghost', 'edge-ghast') }),
      403, 'InvalidSignatureException', /does not match/);
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, 'x-amz-target': `${TARGET_PREFIX}.DeleteCluster` }, body }),
      403, 'InvalidSignatureException', /does not match/);
    const sigAltered = headers.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    assertAwsError(await rawRequest(pier.endpoint, { headers: { ...headers, authorization: sigAltered }, body }), 403, 'InvalidSignatureException');
  });

  test('malformed JSON -> 400 SerializationException', async () => {
    for (const body of ['{"clusterName":', 'not json', '[]', '"a string"', '42']) {
      const res = await rawRequest(pier.endpoint, { headers: signFor(pier, createTarget, body), body });
      assertAwsError(res, 400, 'SerializationException');
    }
  });

  test('wrong JSON types -> 400 SerializationException naming the member', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['RunTask', { taskDefinition: 'web', count: 'two' }, /count/],
      ['RunTask', { taskDefinition: 'web', count: 1.5 }, /count/],
      ['CreateCluster', { clusterName: 7 }, /clusterName/],
      ['CreateCluster', { clusterName: 'edge-ghost-types', tags: { key: 'a' } }, /tags/],
      ['ListTasks', { maxResults: true }, /maxResults/],
    ];
    for (const [action, input, message] of cases) {
      assertAwsError(await ecsCall(pier, action, input), 400, 'SerializationException', message);
    }
  });

  test('missing required member or enum violation -> 400 InvalidParameterException', async () => {
    assertAwsError(await ecsCall(pier, 'RunTask', {}), 400, 'InvalidParameterException', /taskDefinition/);
    assertAwsError(await ecsCall(pier, 'RunTask', { count: 1 }), 400, 'InvalidParameterException', /must not be null/);
    assertAwsError(await ecsCall(pier, 'DeleteCluster', {}), 400, 'InvalidParameterException', /cluster/);
    assertAwsError(await ecsCall(pier, 'ListTasks', { desiredStatus: 'SLEEPING' }), 400, 'InvalidParameterException', /enum/);
    assertAwsError(await ecsCall(pier, 'RunTask', { taskDefinition: 'web', launchType: 'MAINFRAME' }), 400, 'InvalidParameterException', /MAINFRAME|enum/);
    assertAwsError(await ecsCall(pier, 'CreateCluster', { clusterName: 'edge-ghost-enum', settings: [{ name: 'bogusSetting', value: 'x' }] }),
      400, 'InvalidParameterException');
  });

  test('unknown X-Amz-Target action, a model action Pier lacks, no target -> 400 UnknownOperationException', async () => {
    const body = ghostBody();
    assertAwsError(await rawRequest(pier.endpoint, { headers: signFor(pier, `${TARGET_PREFIX}.CreateClusterPlease`, body), body }),
      400, 'UnknownOperationException');
    assertAwsError(await rawRequest(pier.endpoint, { headers: signFor(pier, 'SomeOtherService_20200101.CreateCluster', body), body }),
      400, 'UnknownOperationException');
    assertAwsError(await rawRequest(pier.endpoint, { headers: signFor(pier, undefined, body), body }), 400, 'UnknownOperationException');
    const set = JSON.stringify({ service: 'edge-svc', cluster: 'edge-existing', taskDefinition: 'web' });
    assertAwsError(await rawRequest(pier.endpoint, { headers: signFor(pier, `${TARGET_PREFIX}.CreateTaskSet`, set), body: set }),
      400, 'UnknownOperationException', /CreateTaskSet/);
  });

  test('a service Pier does not serve (scope service kinesis) -> 400', async () => {
    const body = JSON.stringify({ StreamName: 'edge' });
    const res = await rawRequest(pier.endpoint, { headers: signFor(pier, 'Kinesis_20131202.CreateStream', body, { service: 'kinesis' }), body });
    assertAwsError(res, 400, 'UnknownOperationException', /kinesis/);
    // The ECS target signed for another service (logs) is not ECS either.
    const ghostly = ghostBody();
    assertAwsError(await rawRequest(pier.endpoint, { headers: signFor(pier, createTarget, ghostly, { service: 'logs' }), body: ghostly }), 400, 'UnknownOperationException');
  });

  test('a body over 2 MiB -> 413; exactly 2 MiB is accepted', async () => {
    const prefix = '{"clusterName":"edge-ghost-big","pad":"';
    const big = prefix + 'x'.repeat(2 * MIB + 1 - prefix.length - 2) + '"}';
    assert.equal(Buffer.byteLength(big), 2 * MIB + 1);
    const declared = await rawRequest(pier.endpoint, { headers: { ...signFor(pier, createTarget, big), 'content-length': String(Buffer.byteLength(big)) }, body: big });
    assertAwsError(declared, 413, 'RequestEntityTooLargeException');
    const chunked = await rawRequest(pier.endpoint, { headers: { ...signFor(pier, createTarget, big), 'transfer-encoding': 'chunked' }, body: big, chunked: true });
    assertAwsError(chunked, 413, 'RequestEntityTooLargeException');

    const listPrefix = '{"pad":"';
    const exact = listPrefix + 'y'.repeat(2 * MIB - listPrefix.length - 2) + '"}';
    assert.equal(Buffer.byteLength(exact), 2 * MIB);
    const ok = await rawRequest(pier.endpoint, { headers: signFor(pier, `${TARGET_PREFIX}.ListClusters`, exact), body: exact });
    assert.equal(ok.status, 200, ok.text.slice(0, 300));
  });

  test('other methods and paths on the AWS port are 4xx', async () => {
    const get = await rawRequest(pier.endpoint, { method: 'GET', headers: signFor(pier, undefined, '', { method: 'GET' }) });
    assertAwsError(get, 400, 'UnknownOperationException');
    const body = ghostBody();
    const other = await rawRequest(pier.endpoint, { path: '/somewhere', headers: signFor(pier, createTarget, body, { path: '/somewhere' }), body });
    assertAwsError(other, 400, 'UnknownOperationException');
  });

  test('none of the bad requests changed state', async () => {
    const now = await listClusterArns(pier);
    assert.deepEqual(now, baseline);
    assert.ok(!now.some((arn) => arn.includes('edge-ghost')), JSON.stringify(now));
    const described = await ecsCall(pier, 'DescribeClusters', { clusters: [...Array.from({ length: ghost }, (_, i) => `edge-ghost-${i + 1}`), 'edge-ghost-big', 'edge-ghost-enum', 'edge-ghost-types'] });
    assert.equal(described.status, 200);
    assert.deepEqual(described.json.clusters, [], 'no ghost cluster exists, not even INACTIVE');
  });

  test('POST /_pier/reset without --allow-reset is rejected and state remains', async () => {
    const headers = signFor(pier, undefined, '', { service: 'pier', path: '/_pier/reset' });
    const res = await rawRequest(pier.endpoint, { path: '/_pier/reset', headers, body: '' });
    assert.ok(res.status >= 400 && res.status < 500, `rejected with a 4xx, got ${res.status} ${res.text}`);
    assert.equal(res.headers['x-amzn-errortype'], res.json.__type);
    assert.deepEqual(await listClusterArns(pier), baseline);
    const cli = await runCli(['reset', '--data-dir', pier.dataDir]);
    assert.notEqual(cli.code, 0, 'pier reset fails against a server without --allow-reset');
    assert.match(cli.stderr, /allow-reset/);
    assert.deepEqual(await listClusterArns(pier), baseline);
  });
});

describe('--allow-reset', () => {
  test('POST /_pier/reset wipes state; the same credentials (and hosts) keep working; `pier reset` does the same', async () => {
    const pier = await pierUp({ args: ['--allow-reset'] });
    const host = await TestHost.register(pier.endpoint, pier.dataDir);
    assert.equal((await ecsCall(pier, 'CreateCluster', { clusterName: 'reset-me' })).status, 200);
    const tdInput = {
      family: 'reset-fam', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'app', image: 'nginx' }],
    };
    assert.equal((await ecsCall(pier, 'RegisterTaskDefinition', tdInput)).status, 200);
    const td = await ecsCall(pier, 'RegisterTaskDefinition', tdInput);
    assert.equal(td.json.taskDefinition.revision, 2, td.text);
    const run = await ecsCall(pier, 'RunTask', {
      cluster: 'reset-me', taskDefinition: 'reset-fam',
      networkConfiguration: { awsvpcConfiguration: { subnets: [...(await defaultNetwork({ endpoint: pier.endpoint, region: pier.region, credentials: pier })).subnetByZone.values()] } },
    });
    assert.equal(run.json.tasks.length, 1, run.text);
    assert.equal((await host.tasks()).tasks.length, 1);
    assert.ok((await listClusterArns(pier)).some((a) => a.endsWith(':cluster/reset-me')));

    // Signed with the wrong key, the admin call is refused like any other.
    const forged = signFor(pier, undefined, '', { service: 'pier', path: '/_pier/reset', creds: { accessKeyId: pier.accessKeyId, secretAccessKey: 'wrong-secret-wrong-secret' } });
    assertAwsError(await rawRequest(pier.endpoint, { path: '/_pier/reset', headers: forged, body: '' }), 403, 'InvalidSignatureException');
    assert.equal((await listClusterArns(pier)).length, 1);

    const res = await rawRequest(pier.endpoint, { path: '/_pier/reset', headers: signFor(pier, undefined, '', { service: 'pier', path: '/_pier/reset' }), body: '' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await listClusterArns(pier), []);
    const defs = await ecsCall(pier, 'ListTaskDefinitions', {});
    assert.deepEqual(defs.json.taskDefinitionArns, []);
    const fams = await ecsCall(pier, 'ListTaskDefinitionFamilies', { status: 'ALL' });
    assert.deepEqual(fams.json.families, []);
    await host.heartbeat();
    assert.deepEqual((await host.tasks()).tasks, [], 'tasks are gone from the host too');
    const fresh = await ecsCall(pier, 'RegisterTaskDefinition', tdInput);
    assert.equal(fresh.json.taskDefinition.revision, 1, 'revision numbers start over');

    assert.equal((await ecsCall(pier, 'CreateCluster', { clusterName: 'reset-again' })).status, 200);
    const cli = await runCli(['reset', '--data-dir', pier.dataDir]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /reset/);
    assert.deepEqual(await listClusterArns(pier), []);
    assert.equal((await ecsCall(pier, 'CreateCluster', { clusterName: 'after-reset' })).status, 200);
  });
});

describe('pier env, identity, signals and restarts', () => {
  test('pier env prints export lines matching the running server', async () => {
    const pier = await pierUp();
    const out = await runCli(['env', '--data-dir', pier.dataDir]);
    assert.equal(out.code, 0, out.stderr);
    const vars = new Map<string, string>();
    for (const line of out.stdout.split('\n').filter(Boolean)) {
      const m = /^export ([A-Z_]+)='([^']*)'$/.exec(line);
      assert.ok(m, `export line: ${line}`);
      vars.set(m[1]!, m[2]!);
    }
    assert.equal(vars.get('AWS_ACCESS_KEY_ID'), pier.accessKeyId);
    assert.equal(vars.get('AWS_SECRET_ACCESS_KEY'), pier.secretAccessKey);
    assert.equal(vars.get('AWS_DEFAULT_REGION'), pier.region);
    assert.equal(vars.get('PIER_ENDPOINT'), pier.endpoint);
    // The printed values are enough to talk to the server.
    const endpoint = vars.get('PIER_ENDPOINT')!;
    const body = '{}';
    const url = new URL(endpoint);
    const headers = signRequest({ method: 'POST', host: url.host, url: '/', headers: { 'content-type': JSON_11, 'x-amz-target': `${TARGET_PREFIX}.ListClusters` }, body },
      { accessKeyId: vars.get('AWS_ACCESS_KEY_ID')!, secretAccessKey: vars.get('AWS_SECRET_ACCESS_KEY')! }, vars.get('AWS_DEFAULT_REGION')!, 'ecs', Date.now());
    const res = await rawRequest(endpoint, { headers, body });
    assert.equal(res.status, 200, res.text);

    const missing = await runCli(['env', '--data-dir', join(tmpdir(), `pier-no-such-dir-${process.pid}`)]);
    assert.notEqual(missing.code, 0);
  });

  test('fixed --account-id/--region/--access-key-id/--secret-access-key are honoured and survive a restart; SIGTERM exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pier-edge-fixed-'));
    tempDirs.push(dataDir);
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const fixed = ['--account-id', '123456789012', '--region', 'eu-west-1', '--access-key-id', 'AKIAEXAMPLEEXAMPLE12', '--secret-access-key', secret];
    const pier = await pierUp({ dataDir, args: fixed });
    assert.equal(pier.region, 'eu-west-1');
    assert.equal(pier.accessKeyId, 'AKIAEXAMPLEEXAMPLE12');
    assert.equal(pier.secretAccessKey, secret);

    const created = await ecsCall(pier, 'CreateCluster', { clusterName: 'fixed' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.cluster.clusterArn, 'arn:aws:ecs:eu-west-1:123456789012:cluster/fixed');
    const td = await ecsCall(pier, 'RegisterTaskDefinition', {
      family: 'fixed-fam', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'app', image: 'nginx' }],
    });
    assert.equal(td.json.taskDefinition.taskDefinitionArn, 'arn:aws:ecs:eu-west-1:123456789012:task-definition/fixed-fam:1');
    assert.equal(td.json.taskDefinition.registeredBy, 'arn:aws:iam::123456789012:root');
    const server = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { accountId: string; region: string; endpoint: string };
    assert.equal(server.accountId, '123456789012');
    assert.equal(server.region, 'eu-west-1');
    assert.equal(server.endpoint, pier.endpoint);
    // us-east-1 credentials scope is not this server's region.
    assertAwsError(await ecsCall(pier, 'ListClusters', {}, { region: 'us-east-1' }), 403, 'InvalidSignatureException', /region/);

    // An agent long-polling does not hold shutdown up.
    const agent = await TestHost.register(pier.endpoint, pier.dataDir);
    const { cursor } = await agent.tasks();
    const polling = agent.tasks(cursor, 30).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 200));
    const stopping = Date.now();
    assert.equal(await pier.stop(), 0, 'SIGTERM makes pier up exit 0');
    assert.ok(Date.now() - stopping < 10_000, 'shutdown is prompt with a long-poll in flight');
    await polling;

    // Restart with no identity flags: the data dir remembers account, region and keys.
    const again = await pierUp({ dataDir });
    assert.equal(again.region, 'eu-west-1');
    assert.equal(again.accessKeyId, 'AKIAEXAMPLEEXAMPLE12');
    assert.equal(again.secretAccessKey, secret);
    assert.deepEqual(await listClusterArns(again), ['arn:aws:ecs:eu-west-1:123456789012:cluster/fixed']);
    const created2 = await ecsCall(again, 'CreateCluster', { clusterName: 'fixed-2' });
    assert.equal(created2.json.cluster.clusterArn, 'arn:aws:ecs:eu-west-1:123456789012:cluster/fixed-2');
    assert.equal(await again.stop(), 0);
  });

  test('generated identity survives a restart on the same data dir; SIGINT exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pier-edge-restart-'));
    tempDirs.push(dataDir);
    const first = await pierUp({ dataDir });
    assert.match(first.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    const created = await ecsCall(first, 'CreateCluster', { clusterName: 'survivor' });
    const arn = created.json.cluster.clusterArn as string;
    const accountId = arn.split(':')[4];
    assert.match(accountId ?? '', /^\d{12}$/);
    const token = readFileSync(join(dataDir, 'agent-token'), 'utf8');

    first.child.kill('SIGINT');
    const exit = await waitExit(first);
    assert.deepEqual(exit, { code: 0, signal: null }, 'SIGINT makes pier up exit 0');

    const second = await pierUp({ dataDir });
    assert.equal(second.accessKeyId, first.accessKeyId);
    assert.equal(second.secretAccessKey, first.secretAccessKey);
    assert.equal(second.region, first.region);
    assert.equal(readFileSync(join(dataDir, 'agent-token'), 'utf8'), token, 'the agent join token is kept');
    assert.deepEqual(await listClusterArns(second), [arn], 'same account id, same state');
    const created2 = await ecsCall(second, 'CreateCluster', { clusterName: 'newcomer' });
    assert.equal(created2.json.cluster.clusterArn.split(':')[4], accountId);
    // The old process's credentials still sign valid requests for the new one.
    const res = await ecsCall(second, 'ListClusters', {}, { creds: { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey } });
    assert.equal(res.status, 200);

    second.child.kill('SIGTERM');
    assert.deepEqual(await waitExit(second), { code: 0, signal: null });
  });
});
