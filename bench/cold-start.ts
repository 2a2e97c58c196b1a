/**
 * Image cold start: pull + unpack of a 10 MB and a 100 MB multi-layer image (random, incompressible
 * data, gzip layers) from a local docker-registry, by Pier's LocalImageStore and, side by side, by
 * `skopeo copy docker://… oci:dir` followed by `umoci unpack --image dir:tag bundle`. Every run
 * starts from empty caches (a fresh store root / OCI dir / bundle); runs alternate between the
 * tools. Reports p50 / min / max wall time and throughput (compressed image MB / s at p50).
 * Pier's store is initialized before the clock starts, as in a running agent (state loaded, idle
 * tar processes ready); skopeo and umoci run as the processes they are, as they are used.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/cold-start.js [--runs 7] [--sizes 10,100] [--layers 4]
 *        [--variants zlib,gzip-cli,no-blobs,no-tar-pool] [--json out.json]
 *
 * Variants (extra rows): zlib = node's Gunzip instead of FastGunzip; gzip-cli = `gzip -dc`;
 * no-blobs = compressed blobs not kept; no-tar-pool = tar spawned per layer.
 *
 * Needs root (the unpacked layers keep owners and device-node whiteouts) and Debian's
 * docker-registry, skopeo, umoci. Goal: Pier >= 2x the throughput of skopeo + umoci.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { LocalImageStore } from '../src/agent/images/local-image-store.js';
import { buildImage, pushImage, randomLayers } from '../test/helpers/oci-images.js';
import { startRegistry } from '../test/helpers/registry.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { waitForQuiet } from './lib/proc-cpu.js';
import { fmtMs, markdownTable } from './lib/stats.js';

const run = promisify(execFile);
const MB = 1_000_000;

export type Variant = 'default' | 'zlib' | 'gzip-cli' | 'no-blobs' | 'no-tar-pool';

export interface ColdStartOptions {
  runs: number;
  /** Image sizes in MB (10^6 bytes). */
  sizes: number[];
  layers: number;
  /** Pier variants besides the default (FastGunzip, blobs kept, tar pool). */
  variants: Variant[];
  jsonFile?: string;
}

interface Row {
  image: string;
  tool: string;
  bytes: number;
  samplesMs: number[];
  /** For skopeo + umoci: the two steps' samples. */
  stepsMs?: { copy: number[]; unpack: number[] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

async function timePier(reference: string, variant: Variant): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'pier-bench-store-'));
  const store = new LocalImageStore({
    root,
    ...(variant === 'gzip-cli' ? { gzip: 'cli' } : variant === 'zlib' ? { gzip: 'zlib' } : {}),
    ...(variant === 'no-blobs' ? { keepBlobs: false } : {}),
    ...(variant === 'no-tar-pool' ? { tarPool: 0 } : {}),
  });
  try {
    await store.init(); // a running agent: state loaded, tar processes ready; the image caches are empty
    const t0 = performance.now();
    await store.pull(reference, 'bench');
    return performance.now() - t0;
  } finally {
    store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function timeSkopeoUmoci(reference: string): Promise<{ copy: number; unpack: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pier-bench-oci-'));
  try {
    const t0 = performance.now();
    await run('skopeo', ['copy', '--insecure-policy', '--src-tls-verify=false', '-q', `docker://${reference}`, `oci:${join(dir, 'image')}:bench`]);
    const t1 = performance.now();
    await run('umoci', ['unpack', '--image', `${join(dir, 'image')}:bench`, join(dir, 'bundle')]);
    const t2 = performance.now();
    return { copy: t1 - t0, unpack: t2 - t1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runColdStartBench(o: ColdStartOptions): Promise<Row[]> {
  console.log(`machine: ${describeMachine(machineInfo())}`);
  const versions = await Promise.all([
    run('skopeo', ['--version']).then((r) => r.stdout.trim()),
    run('umoci', ['--version']).then((r) => r.stdout.trim()),
    run('tar', ['--version']).then((r) => r.stdout.split('\n')[0]!),
    run('/usr/bin/docker-registry', ['--version']).then((r) => r.stdout.trim()),
  ]);
  console.log(`tools: ${versions.join('; ')}`);
  const reg = await startRegistry();
  const rows: Row[] = [];
  const busyPct: number[] = [];
  try {
    for (const size of o.sizes) {
      const t0 = performance.now();
      const img = await buildImage({ layers: randomLayers(size * MB, o.layers), compression: 'gzip' });
      const pushed = await pushImage(img, reg, `bench-${size}mb:1`);
      img.remove();
      const label = `${size} MB, ${o.layers} layers`;
      console.log(`built and pushed ${label} (${(img.bytes / MB).toFixed(1)} MB compressed) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const pierRows = new Map<Variant, Row>();
      for (const v of ['default', ...o.variants.filter((x) => x !== 'default')] as Variant[]) {
        pierRows.set(v, { image: label, tool: v === 'default' ? 'pier' : `pier (${v})`, bytes: img.bytes, samplesMs: [] });
      }
      const theirs: Row = { image: label, tool: 'skopeo copy + umoci unpack', bytes: img.bytes, samplesMs: [], stepsMs: { copy: [], unpack: [] } };
      // One warm-up of each (page cache for the registry's files, binaries loaded), not counted.
      await timePier(pushed.reference, 'default');
      await timeSkopeoUmoci(pushed.reference);
      for (let i = 0; i < o.runs; i++) {
        // Shared machines: start each round when other work is light (at most 15 s of waiting).
        const busy = await waitForQuiet(30, 15_000);
        if (busy !== undefined) busyPct.push(busy);
        const order = i % 2 === 0 ? ['pier', 'theirs'] : ['theirs', 'pier'];
        for (const who of order) {
          if (who === 'pier') {
            for (const [v, row] of pierRows) row.samplesMs.push(await timePier(pushed.reference, v));
          } else {
            const r = await timeSkopeoUmoci(pushed.reference);
            theirs.samplesMs.push(r.copy + r.unpack);
            theirs.stepsMs!.copy.push(r.copy);
            theirs.stepsMs!.unpack.push(r.unpack);
          }
        }
      }
      rows.push(...pierRows.values(), theirs);
    }
  } finally {
    await reg.stop();
  }

  const table = rows.map((r) => {
    const p50 = median(r.samplesMs);
    const mbps = r.bytes / MB / (p50 / 1000);
    const base = rows.find((x) => x.image === r.image && x.stepsMs)!;
    const speedup = median(base.samplesMs) / p50;
    return [
      r.image, r.tool, String(o.runs), fmtMs(p50), fmtMs(Math.min(...r.samplesMs)), fmtMs(Math.max(...r.samplesMs)), mbps.toFixed(0),
      r.stepsMs ? `copy ${fmtMs(median(r.stepsMs.copy))} + unpack ${fmtMs(median(r.stepsMs.unpack))}` : '',
      r === base ? '1.0x' : `${speedup.toFixed(1)}x`,
    ];
  });
  console.log('');
  if (busyPct.length) console.log(`machine busy before each round (other processes, % of one core): p50 ${median(busyPct).toFixed(0)}%, max ${Math.max(...busyPct).toFixed(0)}%`);
  console.log(markdownTable(['image', 'tool', 'runs', 'p50 ms', 'min ms', 'max ms', 'MB/s (p50)', 'steps (p50 ms)', 'vs skopeo+umoci'], table, new Set([2, 3, 4, 5, 6])));
  if (o.jsonFile) writeFileSync(o.jsonFile, JSON.stringify({ machine: machineInfo(), rows }, null, 2));
  return rows;
}

function parseOptions(argv: string[]): ColdStartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '7' },
      sizes: { type: 'string', default: '10,100' },
      layers: { type: 'string', default: '4' },
      variants: { type: 'string', default: '' },
      json: { type: 'string' },
    },
  });
  return {
    runs: Number(values.runs),
    sizes: values.sizes!.split(',').map(Number),
    layers: Number(values.layers),
    variants: values.variants ? (values.variants.split(',') as Variant[]) : [],
    ...(values.json ? { jsonFile: values.json } : {}),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runColdStartBench(parseOptions(process.argv.slice(2))).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
