/**
 * One command on an HAProxy CLI socket (the master socket or a worker's stats socket): connect,
 * send the line, half-close, read until HAProxy closes. Non-interactive mode, so every command is
 * its own connection; that is what the runtime API expects of scripts.
 */
import { connect } from 'node:net';

export class HaproxySocketError extends Error {
  override readonly name = 'HaproxySocketError';
}

export function haproxyCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(socketPath);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new HaproxySocketError(`${socketPath}: '${command}' timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.end(`${command}\n`));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(new HaproxySocketError(`${socketPath}: '${command}': ${err.message}`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** `show stat` / `show servers state` style tables: a `# a b c` (or `# a,b,c`) header, then rows. */
export function parseTable(text: string, separator: ',' | ' '): Record<string, string>[] {
  const lines = text.split('\n');
  const headerAt = lines.findIndex((l) => l.startsWith('# ') && l.includes(separator === ',' ? ',' : ' '));
  if (headerAt < 0) return [];
  const header = lines[headerAt]!.slice(2).split(separator);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = line.split(separator);
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
  }
  return rows;
}
