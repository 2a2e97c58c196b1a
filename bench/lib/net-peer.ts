/**
 * The two ends of the network benchmark, run inside task namespaces with `ip netns exec NS node
 * dist/bench/lib/net-peer.js MODE …`; each prints one JSON line with its result.
 *
 *   serve PORT                      TCP sink on PORT (counts bytes) and HTTP on PORT+1 ("ok")
 *   throughput HOST PORT SECONDS    sends as fast as it can; prints bytes and seconds
 *   latency HOST PORT N             N sequential HTTP GETs, a new connection each (every one is a
 *                                   new flow through the security group rules); prints ms samples
 *   metadata URL CLIENTS SECONDS    keep-alive GETs from CLIENTS concurrent loops; prints requests
 */
import { createServer, request, Agent } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);

function out(o: unknown): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function serve(port: number): Promise<void> {
  createTcpServer((s) => {
    s.on('data', () => undefined);
    s.on('error', () => undefined);
  }).listen(port, '0.0.0.0');
  createServer((_req, res) => res.end('ok')).listen(port + 1, '0.0.0.0');
  out({ listening: port });
}

async function throughput(host: string, port: number, seconds: number): Promise<void> {
  const chunk = Buffer.alloc(256 * 1024, 7);
  const sock = connect(port, host);
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let bytes = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    bytes += chunk.length;
  }
  const secs = (performance.now() - t0) / 1000;
  sock.destroy();
  out({ bytes, seconds: secs });
}

function get(url: string, agent: Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function latency(host: string, port: number, n: number): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await get(`http://${host}:${port}/`, false);
    samples.push(performance.now() - t0);
  }
  out({ samples });
}

async function metadata(url: string, clients: number, seconds: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      await get(url, agent);
      done++;
    }
  }));
  out({ requests: done, seconds: (performance.now() - t0) / 1000 });
  agent.destroy();
}

const n = (i: number): number => Number(args[i]);
const run = mode === 'serve' ? serve(n(0))
  : mode === 'throughput' ? throughput(args[0]!, n(1), n(2))
    : mode === 'latency' ? latency(args[0]!, n(1), n(2))
      : mode === 'metadata' ? metadata(args[0]!, n(1), n(2))
        : Promise.reject(new Error(`unknown mode ${mode}`));
run.catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
