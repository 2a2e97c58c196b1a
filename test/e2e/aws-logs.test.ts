/**
 * CloudWatch Logs with the real AWS CLI v2 (Debian's /usr/bin/aws) and v1 (first on PATH, when
 * present) against a real `pier up`: groups, streams, put/get with exact lines and tokens,
 * filter-log-events with each pattern kind, retention deleting old events, tags, `aws logs tail`
 * and `aws logs tail --follow` (CLI v2 only: v1 has no tail), and bad inputs answering AWS's codes
 * while changing nothing. The SDK for JavaScript v3 gets one pass of its own at the end.
 *
 * Where the CLIs differ: v2 (2.9.19, an early-2023 model) drops members it does not know, such as
 * a group's logGroupArn and logGroupClass, which v1's newer botocore shows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, GetLogEventsCommand,
  PutLogEventsCommand, ResourceAlreadyExistsException, ResourceNotFoundException, paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { PIER_MAIN, startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, sleep, v1Cli, v2Only } from './aws-cli-support.test.js';

const clis = [debianCli(), ...(v1Cli() ? [v1Cli()!] : [])];
const DAY = 86_400_000;

interface Ev { timestamp: number; message: string }

class Logs {
  constructor(readonly aws: Aws) {}
  ok(args: string[]): any {
    return this.aws.ok(args, 'logs');
  }
  fail(args: string[], code: string, op: string, message: string | RegExp): string {
    return this.aws.fail(args, code, op, message, 'logs');
  }
  put(group: string, stream: string, events: Ev[]): any {
    return this.ok(['put-log-events', '--log-group-name', group, '--log-stream-name', stream, '--log-events', JSON.stringify(events)]);
  }
  lines(group: string, stream: string, extra: string[] = ['--start-from-head']): string[] {
    return this.ok(['get-log-events', '--log-group-name', group, '--log-stream-name', stream, ...extra]).events.map((e: Ev) => e.message);
  }
  filter(group: string, extra: string[]): string[] {
    return this.ok(['filter-log-events', '--log-group-name', group, ...extra]).events.map((e: Ev) => e.message);
  }
  group(name: string): any {
    return this.ok(['describe-log-groups', '--log-group-name-prefix', name]).logGroups.find((g: { logGroupName: string }) => g.logGroupName === name);
  }
}

for (const cli of clis) {
  describe(`aws logs with ${cli.name} (${cli.version.split(' ')[0]})`, () => {
    const testV2 = v2Only(cli);
    let pier: PierProcess | undefined;
    let logs: Logs;
    let now = 0;

    before(async () => {
      pier = await startPier({ args: ['--allow-reset'] });
      logs = new Logs(new Aws(cli, pier));
      now = Date.now();
    });
    after(async () => {
      // A restarted server was given the data dir, so destroy() would leave it: remove it here.
      await pier?.stop();
      if (pier) rmSync(pier.dataDir, { recursive: true, force: true });
    });

    test('log groups: create with tags, refuse a duplicate, describe by prefix, pattern and in pages, delete', () => {
      logs.ok(['create-log-group', '--log-group-name', '/pier/app', '--tags', 'team=core,env=dev']);
      logs.ok(['create-log-group', '--log-group-name', '/pier/db']);
      logs.ok(['create-log-group', '--log-group-name', 'other']);
      logs.fail(['create-log-group', '--log-group-name', '/pier/app'], 'ResourceAlreadyExistsException', 'CreateLogGroup', 'The specified log group already exists');

      const { logGroups } = logs.ok(['describe-log-groups']);
      assert.deepEqual(logGroups.map((g: any) => g.logGroupName), ['/pier/app', '/pier/db', 'other']);
      const app = logGroups[0];
      const account = app.arn.split(':')[4];
      assert.equal(app.arn, `arn:aws:logs:${pier!.region}:${account}:log-group:/pier/app:*`);
      assert.match(account, /^\d{12}$/);
      assert.equal(app.storedBytes, 0);
      assert.equal(app.metricFilterCount, 0);
      assert.equal(app.retentionInDays, undefined);
      assert.ok(Math.abs(app.creationTime - Date.now()) < 60_000);
      if (!logs.aws.isV2) {
        assert.equal(app.logGroupArn, `arn:aws:logs:${pier!.region}:${account}:log-group:/pier/app`);
        assert.equal(app.logGroupClass, 'STANDARD');
      }
      assert.deepEqual(logs.ok(['describe-log-groups', '--log-group-name-prefix', '/pier/']).logGroups.map((g: any) => g.logGroupName), ['/pier/app', '/pier/db']);
      if (!logs.aws.isV2) {
        const byPattern = logs.ok(['describe-log-groups', '--log-group-name-pattern', 'ier/d']).logGroups;
        assert.deepEqual(byPattern.map((g: any) => Object.keys(g).sort()), [['arn', 'creationTime', 'logGroupName']], 'by pattern AWS shows name, time and ARN only');
      }
      // The CLI follows nextToken itself: one group per call, all three in the end.
      assert.deepEqual(logs.ok(['describe-log-groups', '--page-size', '1']).logGroups.map((g: any) => g.logGroupName), ['/pier/app', '/pier/db', 'other']);
      const first = logs.ok(['describe-log-groups', '--max-items', '2']);
      assert.equal(first.logGroups.length, 2);
      assert.ok(first.NextToken ?? first.nextToken);
      logs.ok(['delete-log-group', '--log-group-name', 'other']);
      logs.fail(['delete-log-group', '--log-group-name', 'other'], 'ResourceNotFoundException', 'DeleteLogGroup', 'The specified log group does not exist.');
    });

    test('log streams: create, refuse duplicates and missing groups, describe by name and last event time', () => {
      for (const s of ['web/a', 'web/b', 'worker/1']) logs.ok(['create-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', s]);
      logs.fail(['create-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'web/a'], 'ResourceAlreadyExistsException', 'CreateLogStream', 'The specified log stream already exists');
      logs.fail(['create-log-stream', '--log-group-name', '/nope', '--log-stream-name', 'x'], 'ResourceNotFoundException', 'CreateLogStream', 'The specified log group does not exist.');
      logs.put('/pier/app', 'worker/1', [{ timestamp: now - 5000, message: 'worker started' }]);
      logs.put('/pier/app', 'web/a', [{ timestamp: now - 1000, message: 'web a started' }]);
      const names = (args: string[]) => logs.ok(['describe-log-streams', '--log-group-name', '/pier/app', ...args]).logStreams.map((s: any) => s.logStreamName);
      assert.deepEqual(names([]), ['web/a', 'web/b', 'worker/1']);
      assert.deepEqual(names(['--descending']), ['worker/1', 'web/b', 'web/a']);
      assert.deepEqual(names(['--log-stream-name-prefix', 'web/']), ['web/a', 'web/b']);
      assert.deepEqual(names(['--order-by', 'LastEventTime', '--descending']), ['web/a', 'worker/1', 'web/b']);
      assert.deepEqual(names(['--page-size', '1']), ['web/a', 'web/b', 'worker/1']);
      logs.fail(['describe-log-streams', '--log-group-name', '/pier/app', '--order-by', 'LastEventTime', '--log-stream-name-prefix', 'w'],
        'InvalidParameterException', 'DescribeLogStreams', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
      const web = logs.ok(['describe-log-streams', '--log-group-name', '/pier/app', '--log-stream-name-prefix', 'web/a']).logStreams[0];
      assert.equal(web.firstEventTimestamp, now - 1000);
      assert.equal(web.lastEventTimestamp, now - 1000);
      assert.ok(web.lastIngestionTime >= now - 60_000);
      assert.equal(web.storedBytes, 'web a started'.length);
      assert.match(web.arn, /^arn:aws:logs:[^:]+:\d{12}:log-group:\/pier\/app:log-stream:web\/a$/);
      assert.equal(logs.group('/pier/app').storedBytes, 'web a started'.length + 'worker started'.length);
    });

    test('put-log-events then get-log-events: exact lines, newest first by default, tokens both ways', () => {
      logs.ok(['create-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'lines']);
      const lines = ['one', 'two  spaced', 'three "quoted"', 'four ünïcode', 'five'];
      const out = logs.put('/pier/app', 'lines', lines.map((message, i) => ({ timestamp: now - 10_000 + i, message })));
      assert.match(out.nextSequenceToken, /^\d{56}$/);
      assert.equal(out.rejectedLogEventsInfo, undefined);
      assert.deepEqual(logs.lines('/pier/app', 'lines'), lines);
      const newest = logs.ok(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'lines', '--limit', '2']);
      assert.deepEqual(newest.events.map((e: Ev) => e.message), ['four ünïcode', 'five']);
      assert.equal(newest.events[0].timestamp, now - 10_000 + 3);
      const earlier = logs.ok(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'lines', '--limit', '2', '--next-token', newest.nextBackwardToken]);
      assert.deepEqual(earlier.events.map((e: Ev) => e.message), ['two  spaced', 'three "quoted"']);
      const atEnd = logs.ok(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'lines', '--next-token', newest.nextForwardToken, '--start-from-head']);
      assert.deepEqual(atEnd.events, []);
      assert.equal(atEnd.nextForwardToken, newest.nextForwardToken, 'at the end the same token comes back');
      logs.put('/pier/app', 'lines', [{ timestamp: now - 5000, message: 'six' }]);
      const more = logs.ok(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'lines', '--next-token', newest.nextForwardToken, '--start-from-head']);
      assert.deepEqual(more.events.map((e: Ev) => e.message), ['six'], 'the forward token picks up what came later');
      assert.deepEqual(logs.lines('/pier/app', 'lines', ['--start-from-head', '--start-time', String(now - 10_000 + 1), '--end-time', String(now - 10_000 + 3)]),
        ['two  spaced', 'three "quoted"'], 'start time inclusive, end time exclusive');
      const byArn = logs.ok(['get-log-events', '--log-group-identifier', logs.group('/pier/app').arn.replace(/:\*$/, ''), '--log-stream-name', 'lines', '--start-from-head', '--limit', '1']);
      assert.deepEqual(byArn.events.map((e: Ev) => e.message), ['one'], 'the group named by its ARN');
    });

    test('put-log-events: AWS batch rules, events too old or too new reported, bad batches refused changing nothing', () => {
      logs.ok(['create-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'rules']);
      const r = logs.put('/pier/app', 'rules', [
        { timestamp: now - 15 * DAY, message: 'too old' }, { timestamp: now - 15 * DAY + 1, message: 'too old 2' },
      ]);
      assert.deepEqual(r.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 2 });
      const n = logs.put('/pier/app', 'rules', [{ timestamp: now, message: 'fine' }, { timestamp: now + 3 * 3600_000, message: 'too new' }]);
      assert.deepEqual(n.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });
      logs.put('/pier/app', 'rules', [{ timestamp: now + 1, message: 'with any token' }]);
      const before = logs.lines('/pier/app', 'rules');
      assert.deepEqual(before, ['fine', 'with any token']);
      const bytes = logs.group('/pier/app').storedBytes;
      const put = (events: Ev[]) => ['put-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'rules', '--log-events', JSON.stringify(events)];
      logs.fail(put([{ timestamp: now, message: 'b' }, { timestamp: now - 1, message: 'a' }]), 'InvalidParameterException', 'PutLogEvents',
        'Log events in a single PutLogEvents request must be in chronological order.');
      logs.fail(put([{ timestamp: now - DAY - 1, message: 'a' }, { timestamp: now, message: 'b' }]), 'InvalidParameterException', 'PutLogEvents',
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
      logs.fail(['put-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'nope', '--log-events', `timestamp=${now},message=x`],
        'ResourceNotFoundException', 'PutLogEvents', 'The specified log stream does not exist.');
      logs.fail(['put-log-events', '--log-group-name', '/nope', '--log-stream-name', 'rules', '--log-events', `timestamp=${now},message=x`],
        'ResourceNotFoundException', 'PutLogEvents', 'The specified log group does not exist.');
      logs.ok(['put-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'rules', '--sequence-token', '12345', '--log-events', `timestamp=${now + 2},message=token-ignored`]);
      assert.deepEqual(logs.lines('/pier/app', 'rules'), [...before, 'token-ignored']);
      assert.equal(logs.group('/pier/app').storedBytes, bytes + 'token-ignored'.length, 'refused batches stored nothing');
    });

    test('filter-log-events: each pattern kind returns exactly the expected lines', () => {
      logs.ok(['create-log-group', '--log-group-name', '/pier/filter']);
      logs.ok(['create-log-stream', '--log-group-name', '/pier/filter', '--log-stream-name', 'a']);
      logs.ok(['create-log-stream', '--log-group-name', '/pier/filter', '--log-stream-name', 'b']);
      const a = ['[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1', '[ERROR] Caught IllegalArgumentException', '[WARN] Failed to process the request'];
      const b = ['ERROR WARN message', 'WARN message', '{"level":"ERROR","latency":750,"user":{"id":7},"path":"/api/orders"}',
        '{"level":"INFO","latency":20,"path":"/health"}', '{"level":"WARN","latency":1200,"path":"/api/users"}'];
      const t0 = now - 60_000;
      logs.put('/pier/filter', 'a', a.map((message, i) => ({ timestamp: t0 + i * 10, message })));
      logs.put('/pier/filter', 'b', b.map((message, i) => ({ timestamp: t0 + i * 10 + 5, message })));
      const f = (pattern: string, extra: string[] = []) => logs.filter('/pier/filter', ['--filter-pattern', pattern, ...extra]);
      assert.deepEqual(f('ERROR'), [a[0], b[0], a[1], a[2], b[2]]);
      assert.deepEqual(f('ERROR Exception'), [a[2]]);
      assert.deepEqual(f('"Failed to process"'), [a[3]]);
      assert.deepEqual(f('?fatal ?Illegal'), [a[0], a[2]]);
      assert.deepEqual(f('ERROR -WARN -level'), [a[0], a[1], a[2]]);
      assert.deepEqual(f('{ $.level = "ERROR" }'), [b[2]]);
      assert.deepEqual(f('{ $.latency > 500 }'), [b[2], b[4]]);
      assert.deepEqual(f('{ $.latency > 500 && $.level = WARN }'), [b[4]]);
      assert.deepEqual(f('{ $.level = "INFO" || $.user.id = 7 }'), [b[2], b[3]]);
      assert.deepEqual(f('{ $.path = "/api/*" }'), [b[2], b[4]]);
      assert.deepEqual(f('{ $.user.id NOT EXISTS }'), [b[3], b[4]]);
      assert.deepEqual(f(''), [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], b[4]]);
      assert.deepEqual(f('ERROR', ['--log-stream-names', 'b']), [b[0], b[2]]);
      assert.deepEqual(f('ERROR', ['--log-stream-name-prefix', 'a']), [a[0], a[1], a[2]]);
      assert.deepEqual(f('ERROR', ['--start-time', String(t0 + 10), '--end-time', String(t0 + 20)]), [a[1], a[2]], 'both ends inclusive');
      assert.deepEqual(f('ERROR', ['--page-size', '2']), [a[0], b[0], a[1], a[2], b[2]], 'pages of two, followed by the CLI');
      const one = logs.ok(['filter-log-events', '--log-group-name', '/pier/filter', '--filter-pattern', 'ERROR', '--max-items', '1']);
      assert.deepEqual(one.events.map((e: any) => [e.logStreamName, e.message]), [['a', a[0]]]);
      assert.match(one.events[0].eventId, /^\d{56}$/);
      for (const bad of ['{ $.level = }', '"unterminated', '{ $.a > abc }']) {
        logs.fail(['filter-log-events', '--log-group-name', '/pier/filter', '--filter-pattern', bad], 'InvalidParameterException', 'FilterLogEvents', 'Invalid filter pattern');
      }
      logs.fail(['filter-log-events', '--log-group-name', '/pier/filter', '--log-stream-names', 'a', '--log-stream-name-prefix', 'a'],
        'InvalidParameterException', 'FilterLogEvents', /mutually exclusive/);
    });

    testV2('retention: only AWS values; a policy deletes older events (storedBytes drops, lines gone); removing it keeps the rest', async () => {
      logs.ok(['create-log-group', '--log-group-name', '/pier/ret']);
      logs.ok(['create-log-stream', '--log-group-name', '/pier/ret', '--log-stream-name', 's']);
      logs.put('/pier/ret', 's', [{ timestamp: now - 3 * DAY, message: 'old-1' }, { timestamp: now - 3 * DAY + 1, message: 'old-2' }]);
      logs.put('/pier/ret', 's', [{ timestamp: now - 1000, message: 'fresh' }]);
      assert.equal(logs.group('/pier/ret').storedBytes, 15);
      logs.fail(['put-retention-policy', '--log-group-name', '/pier/ret', '--retention-in-days', '2'], 'InvalidParameterException', 'PutRetentionPolicy',
        /^1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: \[1, 3, 5, 7, 14, 30/);
      logs.fail(['put-retention-policy', '--log-group-name', '/nope', '--retention-in-days', '1'], 'ResourceNotFoundException', 'PutRetentionPolicy', 'The specified log group does not exist.');
      assert.equal(logs.group('/pier/ret').retentionInDays, undefined, 'refused: nothing changed');
      logs.ok(['put-retention-policy', '--log-group-name', '/pier/ret', '--retention-in-days', '1']);
      assert.equal(logs.group('/pier/ret').retentionInDays, 1);
      assert.deepEqual(logs.lines('/pier/ret', 's'), ['fresh'], 'events past retention are never returned');
      assert.deepEqual(logs.filter('/pier/ret', ['--filter-pattern', 'old']), []);
      // The sweep deletes them for real: the group's bytes drop and the rows leave the database.
      const db = new Database(join(pier!.dataDir, 'logs', 'logs.db'), { readonly: true });
      try {
        const oldRows = db.prepare("SELECT count(*) FROM log_events WHERE message LIKE 'old-%'").pluck();
        for (let i = 0; i < 100 && (oldRows.get() as number) > 0; i++) await sleep(100);
        assert.equal(oldRows.get(), 0);
      } finally {
        db.close();
      }
      assert.equal(logs.group('/pier/ret').storedBytes, 5);
      assert.equal(logs.ok(['describe-log-streams', '--log-group-name', '/pier/ret']).logStreams[0].firstEventTimestamp, now - 1000);
      const expired = logs.put('/pier/ret', 's', [{ timestamp: now - DAY - 3600_000, message: 'expired' }, { timestamp: now - 7200_000, message: 'kept' }]);
      assert.deepEqual(expired.rejectedLogEventsInfo, { expiredLogEventEndIndex: 1 });
      logs.ok(['delete-retention-policy', '--log-group-name', '/pier/ret']);
      assert.equal(logs.group('/pier/ret').retentionInDays, undefined);
      assert.deepEqual(logs.lines('/pier/ret', 's'), ['kept', 'fresh']);
    });

    testV2('tags: per group and by ARN', () => {
      const arn = logs.group('/pier/app').arn.replace(/:\*$/, '');
      assert.deepEqual(logs.ok(['list-tags-log-group', '--log-group-name', '/pier/app']).tags, { team: 'core', env: 'dev' });
      logs.ok(['tag-log-group', '--log-group-name', '/pier/app', '--tags', 'owner=ops']);
      logs.ok(['untag-log-group', '--log-group-name', '/pier/app', '--tags', 'env']);
      assert.deepEqual(logs.ok(['list-tags-for-resource', '--resource-arn', arn]).tags, { team: 'core', owner: 'ops' });
      logs.ok(['tag-resource', '--resource-arn', arn, '--tags', 'cost=42']);
      logs.ok(['untag-resource', '--resource-arn', arn, '--tag-keys', 'team']);
      assert.deepEqual(logs.ok(['list-tags-log-group', '--log-group-name', '/pier/app']).tags, { owner: 'ops', cost: '42' });
      logs.fail(['tag-resource', '--resource-arn', arn.replace('/pier/app', '/pier/none'), '--tags', 'a=b'], 'ResourceNotFoundException', 'TagResource', 'The specified log group does not exist.');
      logs.fail(['tag-resource', '--resource-arn', arn, '--tags', 'aws:x=1'], 'InvalidParameterException', 'TagResource', /reserved/);
      const many = Array.from({ length: 50 }, (_, i) => `k${i}=v`).join(',');
      logs.fail(['tag-resource', '--resource-arn', arn, '--tags', many], 'TooManyTagsException', 'TagResource', /at most 50 tags/);
      assert.deepEqual(logs.ok(['list-tags-for-resource', '--resource-arn', arn]).tags, { owner: 'ops', cost: '42' }, 'refused: nothing changed');
    });

    testV2('bad inputs answer AWS codes and change nothing', () => {
      const groups = () => logs.ok(['describe-log-groups']).logGroups.map((g: any) => [g.logGroupName, g.storedBytes]);
      const before = groups();
      logs.fail(['create-log-group', '--log-group-name', 'bad name'], 'InvalidParameterException', 'CreateLogGroup',
        "1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
      logs.fail(['create-log-group', '--log-group-name', 'x'.repeat(513)], 'InvalidParameterException', 'CreateLogGroup', /Member must have length less than or equal to 512/);
      logs.fail(['create-log-group', '--log-group-name', '/pier/kms', '--kms-key-id', 'arn:aws:kms:us-east-1:123456789012:key/x'], 'InvalidParameterException', 'CreateLogGroup', /KMS/);
      logs.fail(['create-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'a:b'], 'InvalidParameterException', 'CreateLogStream', /regular expression pattern: \[\^:\*\]\*/);
      logs.fail(['describe-log-groups', '--limit', '51'], 'InvalidParameterException', 'DescribeLogGroups',
        "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50");
      logs.fail(['describe-log-groups', '--next-token', 'bogus'], 'InvalidParameterException', 'DescribeLogGroups', /nextToken/);
      logs.fail(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'lines', '--next-token', 'f/123/s'], 'InvalidParameterException', 'GetLogEvents', 'The specified nextToken is invalid.');
      logs.fail(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'nope'], 'ResourceNotFoundException', 'GetLogEvents', 'The specified log stream does not exist.');
      logs.fail(['filter-log-events', '--log-group-name', '/nope'], 'ResourceNotFoundException', 'FilterLogEvents', 'The specified log group does not exist.');
      logs.fail(['delete-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'nope'], 'ResourceNotFoundException', 'DeleteLogStream', 'The specified log stream does not exist.');
      logs.fail(['describe-log-streams', '--log-group-name', '/nope'], 'ResourceNotFoundException', 'DescribeLogStreams', 'The specified log group does not exist.');
      assert.deepEqual(groups(), before);
    });

    if (cli.name === 'aws-cli-v2') {
      test('aws logs tail GROUP prints the last ten minutes; --follow shows lines put while it runs', async () => {
        logs.ok(['create-log-group', '--log-group-name', '/pier/tail']);
        logs.ok(['create-log-stream', '--log-group-name', '/pier/tail', '--log-stream-name', 'web/1']);
        const t = Date.now();
        logs.put('/pier/tail', 'web/1', [{ timestamp: t - 20 * 60_000, message: 'too early for tail' }, { timestamp: t - 1000, message: 'recent line' }]);
        logs.put('/pier/tail', 'web/1', [{ timestamp: t - 2000, message: 'recent ERROR line' }]);
        const printed = logs.aws.run(['logs', 'tail', '/pier/tail', '--format', 'short']);
        assert.equal(printed.status, 0, printed.stderr);
        assert.deepEqual(printed.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, '')), ['recent ERROR line', 'recent line']);
        const detailed = logs.aws.run(['logs', 'tail', '/pier/tail', '--filter-pattern', 'ERROR']);
        assert.match(detailed.stdout.trim(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00 web\/1 recent ERROR line$/);

        const child = spawn(cli.path, ['--endpoint-url', pier!.endpoint, 'logs', 'tail', '/pier/tail', '--follow', '--format', 'short'], {
          env: pier!.awsEnv(), stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        try {
          const waitFor = async (text: string, ms: number): Promise<void> => {
            const deadline = Date.now() + ms;
            while (!out.includes(text)) {
              assert.ok(Date.now() < deadline, `tail --follow did not print '${text}' in ${ms} ms:\n${out}\n${err}`);
              await sleep(100);
            }
          };
          await waitFor('recent line', 20_000);
          logs.put('/pier/tail', 'web/1', [{ timestamp: Date.now(), message: 'followed one' }, { timestamp: Date.now() + 1, message: 'followed two' }]);
          await waitFor('followed two', 20_000);
          logs.ok(['create-log-stream', '--log-group-name', '/pier/tail', '--log-stream-name', 'web/2']);
          logs.put('/pier/tail', 'web/2', [{ timestamp: Date.now(), message: 'from another stream' }]);
          await waitFor('from another stream', 20_000);
          const shown = out.trim().split('\n').map((l) => l.replace(/^\S+ /, ''));
          assert.deepEqual(shown, ['recent ERROR line', 'recent line', 'followed one', 'followed two', 'from another stream'], 'each line once');
        } finally {
          if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
          await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
        }
      });
    }

    testV2('delete-log-stream and delete-log-group: gone, names free again', () => {
      logs.ok(['delete-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'lines']);
      logs.fail(['get-log-events', '--log-group-name', '/pier/app', '--log-stream-name', 'lines'], 'ResourceNotFoundException', 'GetLogEvents', 'The specified log stream does not exist.');
      logs.ok(['create-log-stream', '--log-group-name', '/pier/app', '--log-stream-name', 'lines']);
      assert.deepEqual(logs.lines('/pier/app', 'lines'), []);
      logs.ok(['delete-log-group', '--log-group-name', '/pier/filter']);
      logs.fail(['filter-log-events', '--log-group-name', '/pier/filter'], 'ResourceNotFoundException', 'FilterLogEvents', 'The specified log group does not exist.');
      logs.ok(['create-log-group', '--log-group-name', '/pier/filter']);
      assert.equal(logs.group('/pier/filter').storedBytes, 0);
      assert.deepEqual(logs.filter('/pier/filter', []), []);
    });

    testV2('a restart keeps every group, stream and line; pier reset forgets them', async () => {
      const before = logs.lines('/pier/app', 'rules');
      await pier!.stop();
      pier = await startPier({ dataDir: pier!.dataDir, args: ['--allow-reset'] });
      logs = new Logs(new Aws(cli, pier));
      assert.deepEqual(logs.lines('/pier/app', 'rules'), before);
      assert.deepEqual(logs.filter('/pier/app', ['--filter-pattern', 'token-ignored']), ['token-ignored']);
      execFileSync(process.execPath, [PIER_MAIN, 'reset', '--data-dir', pier!.dataDir], { encoding: 'utf8' });
      assert.deepEqual(logs.ok(['describe-log-groups']).logGroups, []);
      logs.ok(['create-log-group', '--log-group-name', '/pier/app']);
      assert.deepEqual(logs.ok(['describe-log-streams', '--log-group-name', '/pier/app']).logStreams, []);
    });
  });
}

describe('@aws-sdk/client-cloudwatch-logs', () => {
  let pier: PierProcess;
  let client: CloudWatchLogsClient;
  before(async () => {
    pier = await startPier();
    client = new CloudWatchLogsClient({
      endpoint: pier.endpoint, region: pier.region,
      credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey },
    });
  });
  after(async () => {
    client?.destroy();
    await pier?.destroy();
  });

  test('create, put, get, filter with the paginator, typed errors', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: '/sdk/app' }));
    await assert.rejects(client.send(new CreateLogGroupCommand({ logGroupName: '/sdk/app' })), ResourceAlreadyExistsException);
    await client.send(new CreateLogStreamCommand({ logGroupName: '/sdk/app', logStreamName: 's' }));
    const t = Date.now();
    const lines = Array.from({ length: 25 }, (_, i) => `${i % 5 === 0 ? 'ERROR' : 'INFO'} line ${i}`);
    const put = await client.send(new PutLogEventsCommand({ logGroupName: '/sdk/app', logStreamName: 's', logEvents: lines.map((message, i) => ({ timestamp: t - 1000 + i, message })) }));
    assert.equal(put.rejectedLogEventsInfo, undefined);
    const got = await client.send(new GetLogEventsCommand({ logGroupIdentifier: '/sdk/app', logStreamName: 's', startFromHead: true }));
    assert.deepEqual(got.events?.map((e) => e.message), lines);
    const found: string[] = [];
    for await (const page of paginateFilterLogEvents({ client, pageSize: 2 }, { logGroupName: '/sdk/app', filterPattern: 'ERROR' })) {
      found.push(...(page.events ?? []).map((e) => e.message!));
    }
    assert.deepEqual(found, lines.filter((l) => l.startsWith('ERROR')));
    const json = await client.send(new FilterLogEventsCommand({ logGroupName: '/sdk/app', filterPattern: '{ $.x = 1 }' }));
    assert.deepEqual(json.events, []);
    await assert.rejects(client.send(new GetLogEventsCommand({ logGroupName: '/sdk/none', logStreamName: 's' })), ResourceNotFoundException);
  });
});
