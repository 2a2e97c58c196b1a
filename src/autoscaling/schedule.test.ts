import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationException } from './errors.js';
import { checkTimezone, dueOccurrence, nextOccurrence, parseSchedule, utcOf, wallTimeIn } from './schedule.js';

const T = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (expr: string, after: string, tz = 'UTC', anchor = after): string | undefined => iso(nextOccurrence(parseSchedule(expr), tz, T(after), T(anchor)));

test('at(): once, at its wall time in the time zone', () => {
  assert.equal(next('at(2026-03-01T10:00:00)', '2026-01-01T00:00:00Z'), '2026-03-01T10:00:00.000Z');
  assert.equal(next('at(2026-03-01T10:00:00)', '2026-03-01T10:00:00Z'), undefined, 'strictly after');
  assert.equal(next('at(2026-07-01T10:00:00)', '2026-01-01T00:00:00Z', 'America/New_York'), '2026-07-01T14:00:00.000Z', 'EDT is UTC-4');
  assert.equal(next('at(2026-01-15T10:00:00)', '2026-01-01T00:00:00Z', 'America/New_York'), '2026-01-15T15:00:00.000Z', 'EST is UTC-5');
  assert.equal(next('at(2026-06-01T09:30:00)', '2026-01-01T00:00:00Z', 'Asia/Kolkata'), '2026-06-01T04:00:00.000Z');
});

test('rate(): every period from the anchor', () => {
  assert.equal(next('rate(5 minutes)', '2026-01-01T00:00:00Z'), '2026-01-01T00:05:00.000Z');
  assert.equal(next('rate(5 minutes)', '2026-01-01T00:07:00Z', 'UTC', '2026-01-01T00:00:00Z'), '2026-01-01T00:10:00.000Z');
  assert.equal(next('rate(1 hour)', '2026-01-01T00:00:00Z'), '2026-01-01T01:00:00.000Z');
  assert.equal(next('rate(2 days)', '2026-01-01T00:00:00Z'), '2026-01-03T00:00:00.000Z');
  assert.equal(next('rate(1 minute)', '2025-12-31T23:00:00Z', 'UTC', '2026-01-01T00:00:00Z'), '2026-01-01T00:01:00.000Z', 'before the anchor: the first period after it');
});

test('cron(): minutes, hours, lists, ranges, steps, names', () => {
  assert.equal(next('cron(0 10 * * ? *)', '2026-01-01T10:00:00Z'), '2026-01-02T10:00:00.000Z');
  assert.equal(next('cron(0 10 * * ? *)', '2026-01-01T09:59:59Z'), '2026-01-01T10:00:00.000Z');
  assert.equal(next('cron(*/15 * * * ? *)', '2026-01-01T10:01:00Z'), '2026-01-01T10:15:00.000Z');
  assert.equal(next('cron(5,35 8-9 * * ? *)', '2026-01-01T08:36:00Z'), '2026-01-01T09:05:00.000Z');
  assert.equal(next('cron(0 12 1 JAN,JUL ? *)', '2026-01-02T00:00:00Z'), '2026-07-01T12:00:00.000Z');
  assert.equal(next('cron(0 18 ? * MON-FRI *)', '2026-01-02T18:00:00Z'), '2026-01-05T18:00:00.000Z', 'Friday → Monday');
  assert.equal(next('cron(0 18 ? * 1 *)', '2026-01-01T00:00:00Z'), '2026-01-04T18:00:00.000Z', '1 is Sunday');
  assert.equal(next('cron(0 0 1 1 ? 2028)', '2026-01-01T00:00:00Z'), '2028-01-01T00:00:00.000Z', 'a year field');
  assert.equal(next('cron(0 0 1 1 ? 2025)', '2026-01-01T00:00:00Z'), undefined, 'a year that has passed');
});

test('cron(): L, W, nL and # in the day fields', () => {
  assert.equal(next('cron(0 0 L * ? *)', '2026-02-01T00:00:00Z'), '2026-02-28T00:00:00.000Z');
  assert.equal(next('cron(0 0 L * ? *)', '2028-02-01T00:00:00Z'), '2028-02-29T00:00:00.000Z', 'leap year');
  assert.equal(next('cron(0 0 LW * ? *)', '2026-05-01T00:00:00Z'), '2026-05-29T00:00:00.000Z', 'May 31 2026 is a Sunday: Friday 29th');
  assert.equal(next('cron(0 0 15W * ? *)', '2026-08-01T00:00:00Z'), '2026-08-14T00:00:00.000Z', 'Aug 15 2026 is a Saturday: Friday 14th');
  assert.equal(next('cron(0 0 1W * ? *)', '2026-08-03T01:00:00Z'), '2026-09-01T00:00:00.000Z', 'Sep 1 2026 is a Tuesday');
  assert.equal(next('cron(0 0 1W * ? *)', '2026-07-31T00:00:00Z'), '2026-08-03T00:00:00.000Z', 'Aug 1 2026 is a Saturday: Monday 3rd');
  assert.equal(next('cron(0 0 ? * 6L *)', '2026-01-01T00:00:00Z'), '2026-01-30T00:00:00.000Z', 'last Friday of January 2026');
  assert.equal(next('cron(0 0 ? * 2#1 *)', '2026-01-01T00:00:00Z'), '2026-01-05T00:00:00.000Z', 'first Monday');
  assert.equal(next('cron(0 0 ? * MON#3 *)', '2026-01-01T00:00:00Z'), '2026-01-19T00:00:00.000Z', 'third Monday');
});

test('cron() in a time zone, across daylight saving time', () => {
  assert.equal(next('cron(0 9 * * ? *)', '2026-01-10T00:00:00Z', 'Europe/Paris'), '2026-01-10T08:00:00.000Z', 'CET = UTC+1');
  assert.equal(next('cron(0 9 * * ? *)', '2026-07-10T00:00:00Z', 'Europe/Paris'), '2026-07-10T07:00:00.000Z', 'CEST = UTC+2');
  assert.equal(next('cron(0 9 * * ? *)', '2026-03-28T09:00:00Z', 'Europe/Paris'), '2026-03-29T07:00:00.000Z', 'the day DST starts');
  assert.equal(next('cron(30 2 * * ? *)', '2026-03-07T12:00:00Z', 'America/New_York'), '2026-03-08T07:30:00.000Z', '02:30 does not exist that day: 03:30 EDT');
  assert.equal(next('cron(0 23 * * ? *)', '2026-01-01T00:00:00Z', 'Pacific/Auckland'), '2026-01-01T10:00:00.000Z', 'a local day ahead of UTC');
});

test('wall time ↔ UTC in a zone', () => {
  assert.deepEqual(wallTimeIn('America/New_York', T('2026-07-01T14:00:00Z')), { y: 2026, mo: 7, d: 1, h: 10, mi: 0, s: 0 });
  assert.equal(iso(utcOf('UTC', { y: 2026, mo: 1, d: 1, h: 0, mi: 0, s: 0 })), '2026-01-01T00:00:00.000Z');
  assert.equal(iso(utcOf('America/New_York', { y: 2026, mo: 11, d: 1, h: 1, mi: 30, s: 0 })), '2026-11-01T05:30:00.000Z', 'an hour that happens twice: the first');
  assert.equal(iso(utcOf('America/New_York', { y: 2026, mo: 3, d: 8, h: 2, mi: 30, s: 0 })), '2026-03-08T07:30:00.000Z', 'an hour that does not exist: the instant an hour later (03:30 EDT)');
});

test('due occurrence: the latest in (after, until], inside [start, end]', () => {
  const s = parseSchedule('rate(1 minute)');
  const anchor = T('2026-01-01T00:00:00Z');
  assert.equal(iso(dueOccurrence(s, 'UTC', anchor, T('2026-01-01T00:00:59Z'), { anchorMs: anchor })), undefined);
  assert.equal(iso(dueOccurrence(s, 'UTC', anchor, T('2026-01-01T00:01:00Z'), { anchorMs: anchor })), '2026-01-01T00:01:00.000Z');
  assert.equal(iso(dueOccurrence(s, 'UTC', anchor, T('2026-01-03T00:00:30Z'), { anchorMs: anchor })), '2026-01-03T00:00:00.000Z', 'two days missed: only the latest');
  assert.equal(iso(dueOccurrence(s, 'UTC', T('2026-01-01T00:01:00Z'), T('2026-01-01T00:01:30Z'), { anchorMs: anchor })), undefined, 'already applied');
  assert.equal(iso(dueOccurrence(s, 'UTC', anchor, T('2026-01-01T00:10:00Z'), { anchorMs: anchor, endMs: T('2026-01-01T00:05:30Z') })), '2026-01-01T00:05:00.000Z');
  const cron = parseSchedule('cron(0 * * * ? *)');
  assert.equal(iso(dueOccurrence(cron, 'UTC', T('2026-01-01T00:00:00Z'), T('2026-01-01T05:10:00Z'), { anchorMs: 0 })), '2026-01-01T05:00:00.000Z');
  assert.equal(iso(dueOccurrence(cron, 'UTC', T('2026-01-01T00:00:00Z'), T('2026-01-01T05:10:00Z'), { anchorMs: 0, startMs: T('2026-01-01T06:00:00Z') })), undefined, 'before StartTime');
  assert.equal(iso(dueOccurrence(cron, 'UTC', T('2026-01-01T00:00:00Z'), T('2026-01-01T05:10:00Z'), { anchorMs: 0, endMs: T('2026-01-01T02:30:00Z') })), '2026-01-01T02:00:00.000Z');
  const at = parseSchedule('at(2026-01-01T03:00:00)');
  assert.equal(iso(dueOccurrence(at, 'UTC', T('2026-01-01T00:00:00Z'), T('2026-01-01T05:00:00Z'), { anchorMs: 0 })), '2026-01-01T03:00:00.000Z');
  assert.equal(iso(dueOccurrence(at, 'UTC', T('2026-01-01T03:00:00Z'), T('2026-01-01T05:00:00Z'), { anchorMs: 0 })), undefined);
});

test('bad schedules and time zones are ValidationExceptions', () => {
  const bad = (expr: string) => assert.throws(() => parseSchedule(expr), ValidationException, expr);
  for (const e of [
    'every 5 minutes', 'at(2026-13-01T00:00:00)', 'at(2026-02-30T00:00:00)', 'at(2026-01-01 00:00:00)', 'rate(0 minutes)', 'rate(5 weeks)',
    'rate(five minutes)', 'cron(0 10 * * *)', 'cron(0 10 * * * *)', 'cron(0 10 ? * ? *)', 'cron(60 10 * * ? *)', 'cron(0 24 * * ? *)',
    'cron(0 0 32 * ? *)', 'cron(0 0 ? * 8 *)', 'cron(0 0 ? * MON#6 *)', 'cron(0 0 5-2 * ? *)', 'cron(0/0 0 * * ? *)', 'cron(0 0 1 FOO ? *)',
  ]) bad(e);
  checkTimezone('UTC');
  checkTimezone('Europe/Paris');
  assert.throws(() => checkTimezone('Mars/Olympus'), /Invalid timezone: Mars\/Olympus/);
});
