/**
 * ExecuteCommand carries one string (`command`), as ECS does; `pier exec` has an argv. The CLI
 * quotes its argv into the string and the agent splits it back, like a shell's words but without
 * any expansion: single quotes, double quotes (where \ escapes " \ $ ` and newline) and backslash.
 */
export class CommandSyntaxError extends Error {
  override readonly name = 'CommandSyntaxError';
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word as a shell reads it back unchanged. */
export function quoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export const joinCommand = (argv: readonly string[]): string => argv.map(quoteWord).join(' ');

/** The words of a command string; throws CommandSyntaxError on an unterminated quote. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new CommandSyntaxError('unterminated single quote in command');
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      i = readDoubleQuoted(command, i + 1, (s) => (word += s));
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 < command.length && command[i + 1] !== '\n') word += command[i + 1];
      i++;
      inWord = true;
    } else if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Reads a double-quoted part starting after its quote; returns the index of the closing quote. */
function readDoubleQuoted(command: string, from: number, add: (s: string) => void): number {
  for (let i = from; i < command.length; i++) {
    const ch = command[i]!;
    if (ch === '"') return i;
    if (ch === '\\' && i + 1 < command.length && '"\\$`\n'.includes(command[i + 1]!)) {
      if (command[i + 1] !== '\n') add(command[i + 1]!);
      i++;
    } else {
      add(ch);
    }
  }
  throw new CommandSyntaxError('unterminated double quote in command');
}
