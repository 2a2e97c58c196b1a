import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CommandSyntaxError, joinCommand, quoteWord, splitCommand } from './exec-command.js';

test('any argv survives joining into ExecuteCommand\'s string and splitting back', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), (argv) => {
    assert.deepEqual(splitCommand(joinCommand(argv)), argv);
  }));
});

test('commands typed by hand (aws ecs execute-command --command) split like a shell\'s words, without expansion', () => {
  const cases: [string, string[]][] = [
    ['/bin/sh', ['/bin/sh']],
    ['  ls   -la\t/tmp ', ['ls', '-la', '/tmp']],
    [`sh -c 'echo $HOME; exit 3'`, ['sh', '-c', 'echo $HOME; exit 3']],
    [`echo "a \\"b\\" \\$c \\d" x`, ['echo', 'a "b" $c \\d', 'x']],
    [`echo it\\'s ''`, ['echo', "it's", '']],
    [`a"b"'c'd`, ['abcd']],
  ];
  for (const [command, argv] of cases) assert.deepEqual(splitCommand(command), argv, command);
  assert.deepEqual(splitCommand(''), []);
});

test('an unterminated quote is a syntax error', () => {
  assert.throws(() => splitCommand(`echo 'oops`), CommandSyntaxError);
  assert.throws(() => splitCommand(`echo "oops`), CommandSyntaxError);
});

test('plain words are left unquoted', () => {
  assert.equal(quoteWord('/usr/bin/env'), '/usr/bin/env');
  assert.equal(quoteWord('KEY=v,w:1'), 'KEY=v,w:1');
  assert.equal(quoteWord('two words'), `'two words'`);
  assert.equal(quoteWord(''), `''`);
});
