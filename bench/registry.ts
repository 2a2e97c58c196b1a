/**
 * Registry benchmark (issue 7): push and pull throughput of Pier's built-in registry against
 * Debian's `docker-registry` (distribution 2.8) in the same run, round by round, both behind HTTP
 * basic auth on 127.0.0.1. Goal: Pier ≥ 1× on both.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/registry.js [--rounds 3] [--layers 50,100,200] [--json out.json]
 *
 * The client is the same for both and does what docker and skopeo do: per layer POST an upload,
 * PATCH the file as one streamed chunk (curl, so the client's own CPU use is small and the same for
 * both, as Go clients' is), PUT `?digest=`; the layers go in parallel. Pull is a GET of each layer
 * with curl, in parallel, to /dev/null. Every round writes fresh random (incompressible) layers
 * so neither registry already holds them; the order of the two registries alternates by round,
 * after one uncounted 16 MB warm-up push and pull each. Besides MB/s it reports each server's own
 * CPU time per MB (from /proc), which does not depend on how busy the shared machine was.
 * Pier fsyncs each blob before it answers the PUT; docker-registry's filesystem driver does not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPier, type PierProcess } from '../test/helpers/pier-process.js';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { processCpuSeconds } from './lib/proc-cpu.js';
import { markdownTable } from './lib/stats.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, layers: { type: 'string', default: '50,100,200' }, json: { type: 'string' } } });
const ROUNDS = Number(args.rounds);
const LAYER_MB = args.layers!.split(',').map(Number);
const log = (m: string): void => console.error(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

interface Target { name: string; url: string; repository: string; auth: string; pid: number }
interface Layer { path: string; digest: string; size: number }

function writeRandomLayer(path: string, bytes: number): Layer {
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  for (let left = bytes; left > 0; left -= chunk.length) {
    const part = chunk.subarray(0, Math.min(left, chunk.length));
    randomFillSync(part);
    hash.update(part);
    writeSync(fd, part);
  }
  closeSync(fd);
  return { path, digest: `sha256:${hash.digest('hex')}`, size: bytes };
}

interface Answer { status: number; location?: string }

/** A small request without a body (POST to start an upload, PUT to finish it). */
function call(t: Target, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, t.url), { method, headers: { authorization: t.auth } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** curl with the target's credentials; resolves with what it printed (-w) or the headers (-D -). */
function curl(t: Target, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail-with-body', '-H', `authorization: ${t.auth}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${t.name}: curl ${args.join(' ')} exited ${code}: ${err}${out}`))));
  });
}

async function pushLayer(t: Target, layer: Layer): Promise<void> {
  const start = await call(t, 'POST', `/v2/${t.repository}/blobs/uploads/`);
  if (start.status !== 202 || !start.location) throw new Error(`${t.name}: POST upload answered ${start.status}`);
  const headers = await curl(t, ['-X', 'PATCH', '-T', layer.path, '-H', 'content-type: application/octet-stream', '-D', '-', '-o', '/dev/null',
    new URL(start.location, t.url).href]);
  const location = /^location:\s*(\S+)/im.exec(headers)?.[1];
  if (!location) throw new Error(`${t.name}: PATCH answered no Location:\n${headers}`);
  const done = new URL(location, t.url);
  done.searchParams.set('digest', layer.digest);
  const put = await call(t, 'PUT', `${done.pathname}${done.search}`);
  if (put.status !== 201) throw new Error(`${t.name}: PUT answered ${put.status}`);
}

async function pullLayer(t: Target, layer: Layer): Promise<void> {
  const got = Number(await curl(t, ['-o', '/dev/null', '-w', '%{size_download}', new URL(`/v2/${t.repository}/blobs/${layer.digest}`, t.url).href]));
  if (got !== layer.size) throw new Error(`${t.name}: got ${got} of ${layer.size} bytes`);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

function aws(pier: PierProcess, args: string[]): string {
  const r = spawnSync('/usr/bin/aws', ['--endpoint-url', pier.endpoint, ...args], { env: pier.awsEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`aws ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const machine = machineInfo();
  const tmp = mkdtempSync(join(tmpdir(), 'pier-bench-registry-'));
  let pier: PierProcess | undefined;
  let reg: TestRegistry | undefined;
  try {
    reg = await startRegistry({ auth: 'basic' });
    pier = await startPier({ agent: false, echoStderr: true });
    aws(pier, ['ecr', 'create-repository', '--repository-name', 'bench/layers']);
    const targets: Target[] = [
      { name: 'Pier built-in registry', url: pier.endpoint, repository: 'bench/layers', auth: basic('AWS', aws(pier, ['ecr', 'get-login-password'])), pid: pier.child.pid! },
      { name: 'docker-registry 2.8 (Debian)', url: reg.url, repository: 'bench/layers', auth: basic(reg.username!, reg.password!), pid: reg.pid },
    ];
    const results = new Map(targets.map((t) => [t.name, { push: [] as number[], pull: [] as number[], pushCpu: [] as number[], pullCpu: [] as number[] }]));
    const totalBytes = LAYER_MB.reduce((n, mb) => n + mb * 1e6, 0);
    const loads: number[] = [];
    // One small layer each first, not counted: both servers' first requests (JIT, Pier's hash thread) out of the way.
    const warm = writeRandomLayer(join(tmp, 'warm-up'), 16e6);
    for (const t of targets) {
      await pushLayer(t, warm);
      await pullLayer(t, warm);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const layers = LAYER_MB.map((mb, i) => writeRandomLayer(join(tmp, `r${round}-l${i}`), mb * 1e6));
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        loads.push(loadavg()[0]!);
        const r = results.get(t.name)!;
        const cpu0 = processCpuSeconds(t.pid)!;
        const push = await timed(() => Promise.all(layers.map((l) => pushLayer(t, l))));
        const cpu1 = processCpuSeconds(t.pid)!;
        const pull = await timed(() => Promise.all(layers.map((l) => pullLayer(t, l))));
        const cpu2 = processCpuSeconds(t.pid)!;
        r.push.push(totalBytes / 1e6 / push);
        r.pull.push(totalBytes / 1e6 / pull);
        // The server's own CPU per MB: what it costs, however much CPU the shared machine gave it.
        r.pushCpu.push(((cpu1 - cpu0) * 1000) / (totalBytes / 1e6));
        r.pullCpu.push(((cpu2 - cpu1) * 1000) / (totalBytes / 1e6));
        log(`round ${round + 1} ${t.name}: push ${(totalBytes / 1e6 / push).toFixed(0)} MB/s, pull ${(totalBytes / 1e6 / pull).toFixed(0)} MB/s`);
      }
      for (const l of layers) rmSync(l.path, { force: true });
    }
    const [p, d] = targets.map((t) => results.get(t.name)!);
    const rows = targets.map((t) => {
      const r = results.get(t.name)!;
      return [t.name, median(r.push).toFixed(0), median(r.pull).toFixed(0), r.push.map((x) => x.toFixed(0)).join(' / '), r.pull.map((x) => x.toFixed(0)).join(' / '),
        median(r.pushCpu).toFixed(2), median(r.pullCpu).toFixed(2)];
    });
    rows.push(['Pier ÷ docker-registry', `${(median(p!.push) / median(d!.push)).toFixed(2)}×`, `${(median(p!.pull) / median(d!.pull)).toFixed(2)}×`, '', '',
      `${(median(p!.pushCpu) / median(d!.pushCpu)).toFixed(2)}×`, `${(median(p!.pullCpu) / median(d!.pullCpu)).toFixed(2)}×`]);
    console.log(`\nRegistry throughput, layers ${LAYER_MB.join(' + ')} MB in parallel, ${ROUNDS} rounds (median MB/s; rounds)`);
    console.log(`machine: ${describeMachine(machine)}; load average during the run ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n`);
    console.log(markdownTable(['registry', 'push MB/s', 'pull MB/s', 'push rounds', 'pull rounds', 'server CPU ms/MB push', 'pull'], rows, new Set([1, 2, 5, 6])));
    if (args.json) writeFileSync(args.json, JSON.stringify({ machine, layersMB: LAYER_MB, rounds: ROUNDS, results: Object.fromEntries(results), loads }, null, 2));
  } finally {
    await pier?.destroy();
    await reg?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
