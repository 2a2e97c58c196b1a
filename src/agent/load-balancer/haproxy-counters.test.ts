import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterDeltas, emptySnapshot, parseCounters, type CounterSnapshot } from './haproxy-counters.js';

/** What `show info;show stat` answers, cut to the columns read here. */
const answer = (pid: number, rows: [string, string, number, number][]): string => [
  'Name: HAProxy', 'Version: 2.6.12-1+deb12u4', 'Release_date: 2026/10/17', `Pid: ${pid}`, 'Uptime_sec: 12', '',
  '# pxname,svname,req_tot,hrsp_2xx,hrsp_5xx,conn_tot,intercepted,rtime,',
  ...rows.map(([px, sv, req, ok]) => `${px},${sv},${req},${ok},${req - ok},${sv === 'FRONTEND' ? req : ''},,${sv === 'FRONTEND' ? '' : 3},`),
  '', '',
].join('\n');

test('parses the worker and every row of show info;show stat', () => {
  const s = parseCounters(answer(1429, [['fe', 'FRONTEND', 7, 6], ['be', '10.0.0.1:80', 3, 3], ['be', 'BACKEND', 3, 3]]), 5);
  assert.equal(s.worker, '1429');
  assert.equal(s.at, 5);
  assert.deepEqual([...s.rows.keys()], ['fe/FRONTEND', 'be/10.0.0.1:80', 'be/BACKEND']);
  assert.equal(s.rows.get('be/10.0.0.1:80')!.rtime, '3');
});

const snap = (worker: string, req: number, extra: [string, string, number, number][] = []): CounterSnapshot =>
  parseCounters(answer(Number(worker), [['fe', 'FRONTEND', req, req], ...extra]), 0);

test('deltas: growth is current less previous; empty columns count as zero', () => {
  const d = counterDeltas(snap('10', 100), snap('10', 130));
  assert.deepEqual(d.get('fe/FRONTEND'), { req_tot: 30, intercepted: 0, conn_tot: 30, hrsp_2xx: 30, hrsp_3xx: 0, hrsp_4xx: 0, hrsp_5xx: 0 });
});

test('deltas: a counter that went down was reset and counts from zero', () => {
  assert.equal(counterDeltas(snap('10', 100), snap('10', 4)).get('fe/FRONTEND')!.req_tot, 4);
});

test('deltas: a new worker (reload, restart) counts from zero even when its counters are higher', () => {
  assert.equal(counterDeltas(snap('10', 100), snap('11', 150)).get('fe/FRONTEND')!.req_tot, 150);
});

test('deltas: a new row (a server added at run time) counts from zero; a row gone is left out', () => {
  const d = counterDeltas(snap('10', 5, [['be', 'a:1', 5, 5]]), snap('10', 9, [['be', 'b:1', 4, 4]]));
  assert.deepEqual([...d.keys()], ['fe/FRONTEND', 'be/b:1']);
  assert.equal(d.get('be/b:1')!.req_tot, 4);
});

test('deltas: from the empty snapshot everything counts; an unknown worker is compared row by row', () => {
  assert.equal(counterDeltas(emptySnapshot(0), snap('10', 8)).get('fe/FRONTEND')!.req_tot, 8);
  const unknown = { ...snap('10', 12), worker: '' };
  assert.equal(counterDeltas(snap('10', 8), unknown).get('fe/FRONTEND')!.req_tot, 4);
});
