import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ptyWrapper } from './exec-process.js';
import { splitCommand } from '../../protocol/exec-command.js';

test('a terminal session runs under script, sized first, recording its pty', () => {
  const argv = ptyWrapper(['runc', 'exec', '--tty', 'abc-0', 'sh', '-c', "echo 'hi'"], { tty: true, rows: 40, cols: 100 }, '/tmp/x/tty');
  assert.deepEqual(argv.slice(0, 4), ['script', '--quiet', '--flush', '--return']);
  assert.equal(argv.at(-1), '/dev/null');
  const inner = argv[5]!;
  assert.ok(inner.startsWith('stty rows 40 cols 100 2>/dev/null; tty > /tmp/x/tty; exec '), inner);
  assert.deepEqual(splitCommand(inner.slice(inner.indexOf('exec ') + 5)), ['runc', 'exec', '--tty', 'abc-0', 'sh', '-c', "echo 'hi'"]);
  assert.ok(!ptyWrapper(['sh'], { tty: true, rows: 0, cols: 0 }, '/t')[5]!.includes('stty'), 'no size, no stty');
});
