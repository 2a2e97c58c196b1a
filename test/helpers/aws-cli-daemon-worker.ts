/**
 * The asynchronous half of aws-cli-daemon.ts: sends one request to a CLI server's socket (retrying
 * while the server is still starting), writes the answer to the file it is told, then sets the
 * shared flag and wakes the caller waiting on it.
 */
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';

export interface DaemonCall {
  socketPath: string;
  request: string;
  answerPath: string;
  flag: Int32Array;
  /** How long to keep retrying the connection (the server's first start imports the CLI). */
  connectWithinMs: number;
}

function once(socketPath: string, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(socketPath);
    socket.on('connect', () => socket.end(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks));
    });
  });
}

async function call(c: DaemonCall): Promise<void> {
  const deadline = Date.now() + c.connectWithinMs;
  let answer: string;
  for (;;) {
    try {
      const raw = await once(c.socketPath, c.request);
      answer = raw.length > 0 ? raw.toString('utf8') : JSON.stringify({ error: 'the CLI server closed the connection without answering' });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ECONNREFUSED') && Date.now() < deadline) {
        await sleep(20);
        continue;
      }
      answer = JSON.stringify({ error: `the CLI server: ${String(err)}` });
      break;
    }
  }
  writeFileSync(c.answerPath, answer);
  Atomics.store(c.flag, 0, 1);
  Atomics.notify(c.flag, 0);
}

parentPort!.on('message', (c: DaemonCall) => void call(c));
