/**
 * The stack's ceiling: a plain node:http server that reads each request body and answers a fixed
 * JSON body with the same framing headers Pier sends (content-type, content-length, a fresh
 * x-amzn-requestid). No signature check, no routing, no store. Run as its own process:
 *
 *   node dist/bench/lib/ceiling-server.js <file holding the reply body>
 *
 * prints `ceiling: ready at http://127.0.0.1:<port>` and serves until SIGTERM.
 * startCeiling() does that from a benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface CeilingProcess {
  readonly endpoint: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns this file as a child process serving the contents of `bodyFile`. */
export async function startCeiling(bodyFile: string, nodeArgs: readonly string[] = []): Promise<CeilingProcess> {
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(import.meta.url), bodyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ceiling server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ceiling: ready at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ceiling server exited with ${code}: ${out}`));
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    endpoint, child,
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function serve(bodyFile: string): void {
  const body = readFileSync(bodyFile);
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': body.length,
        'x-amzn-requestid': randomUUID(),
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`ceiling: ready at http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/lib/ceiling-server.js <reply-body-file>\n');
    process.exit(2);
  }
  serve(file);
}
