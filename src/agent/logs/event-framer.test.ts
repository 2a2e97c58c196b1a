import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOf } from '../../logs/event-batch.js';
import { EventFramer, frameLines, splitLines } from './event-framer.js';

test('lines split at newlines; an unterminated tail waits unless the output is final', () => {
  const chunk = Buffer.from('one\r\ntwo\n\nthree');
  const { lines, used } = splitLines(chunk, 100, 5, false);
  assert.deepEqual(lines.map((l) => [l.text, l.start, l.end]), [['one', 100, 105], ['two', 105, 109], ['', 109, 110]]);
  assert.equal(used, 10);
  const final = splitLines(chunk, 100, 5, true);
  assert.deepEqual(final.lines.map((l) => l.text), ['one', 'two', '', 'three']);
  assert.equal(final.used, chunk.length);
});

test('a line longer than the limit is cut on a character boundary', () => {
  const chunk = Buffer.from('aéééé\nb');
  const { lines } = splitLines(chunk, 0, 1, false, 4);
  assert.deepEqual(lines.map((l) => l.text), ['aé', 'éé', 'é']);
  assert.deepEqual(lines.map((l) => l.end - l.start), [3, 4, 3]);
});

test('one event per non-empty line without a start pattern', () => {
  const f = new EventFramer();
  assert.deepEqual(f.push({ text: 'hi', start: 0, end: 3, at: 7 }), [{ message: 'hi', timestamp: 7, start: 0, end: 3 }]);
  assert.deepEqual(f.push({ text: '', start: 3, end: 4, at: 7 }), []);
  assert.deepEqual(f.flush(), []);
});

test('with a start pattern, following lines join the event until the next start', () => {
  const f = new EventFramer(/^\d{4}-/);
  const line = (text: string, start: number, at = 1): { text: string; start: number; end: number; at: number } => ({ text, start, end: start + text.length + 1, at });
  assert.deepEqual(f.push(line('2026-12-05 Error: boom', 0, 10)), []);
  assert.deepEqual(f.push(line('  at a()', 23, 11)), []);
  assert.equal(f.pendingSince, 10);
  const done = f.push(line('2026-12-05 next', 32, 12));
  assert.deepEqual(done, [{ message: '2026-12-05 Error: boom\n  at a()', timestamp: 10, start: 0, end: 32 }]);
  assert.deepEqual(f.flush(), [{ message: '2026-12-05 next', timestamp: 12, start: 32, end: 48 }]);
  assert.equal(f.pendingSince, undefined);
});

test('a multi-line event is cut at the size limit', () => {
  const f = new EventFramer(/^S/, 10);
  const out = [...f.push({ text: 'S1234', start: 0, end: 6, at: 1 }), ...f.push({ text: 'abcd', start: 6, end: 11, at: 1 }), ...f.push({ text: 'efgh', start: 11, end: 16, at: 1 })];
  assert.deepEqual(out.map((e) => e.message), ['S1234\nabcd']);
  assert.deepEqual(f.flush().map((e) => [e.message, e.start, e.end]), [['efgh', 11, 16]]);
});

test('frameLines frames on the bytes exactly as splitLines and the framer do on strings', () => {
  const samples = ['\u0080'.repeat(9), '', 'a', 'a\n', '\n\n', 'one\r\ntwo\n\r\n\nthree', 'x\r', 'héllo wörld\nß\n', 'aéééé\nb', 'long line here\nshort\n', '\r\n\r'];
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const alphabet = ['a', 'b', '\n', '\r', 'é', '€', ' '];
  for (let k = 0; k < 200; k++) samples.push(Array.from({ length: rand(40) }, () => alphabet[rand(alphabet.length)]!).join(''));
  for (const text of samples) {
    for (const final of [false, true]) {
      for (const max of [4, 1000]) {
        const chunk = Buffer.from(text);
        const { lines, used } = splitLines(chunk, 100, 9, final, max);
        const f = new EventFramer();
        const want = lines.flatMap((l) => f.push(l));
        const { run, used: got } = frameLines(chunk, 100, 9, final, max);
        const label = `${JSON.stringify(text)} final=${final} max=${max}`;
        assert.equal(got, used, label);
        assert.deepEqual(eventsOf(run.events), want.map((e) => ({ timestamp: 9, message: e.message, offset: e.start })), label);
        assert.deepEqual(run.sourceEnds, want.map((e) => e.end), label);
      }
    }
  }
});

test('bytes that are not UTF-8 are still cut at the limit, never looped on', () => {
  const junk = Buffer.alloc(10, 0x80);
  const { run, used } = frameLines(junk, 0, 1, true, 4);
  assert.equal(used, 10);
  assert.deepEqual(run.sourceEnds, [4, 8, 10]);
  assert.deepEqual(splitLines(junk, 0, 1, true, 4).lines.map((l) => l.end), [4, 8, 10]);
});
