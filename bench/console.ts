/**
 * Console benchmark (issue 7): the web console's first load on a cold cache, in Debian's headless
 * Chromium driven by playwright-core. Every round opens a new browser context (an empty HTTP cache
 * and no cookies) and loads two pages: the sign-in page, and the clusters page of a signed-in
 * session (cookie set from a sign-in made outside the browser). It times from navigation to the
 * page's content being on screen (the sign-in form; the clusters table with its rows from the API),
 * and counts the requests and bytes that took. For contrast, the same context then reloads the
 * clusters page with a warm cache, and as a floor a new context loads a one-line JSON answer
 * (`/_pier/health`): what a new context and a navigation cost here before any console code.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/console.js [--rounds 10] [--clusters 20] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPier } from '../test/helpers/pier-process.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { markdownTable } from './lib/stats.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, clusters: { type: 'string', default: '20' }, json: { type: 'string' } } });
const ROUNDS = Number(args.rounds);
const CLUSTERS = Number(args.clusters);
const log = (m: string): void => console.error(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

interface Load { ms: number; domContentLoadedMs: number; requests: number; transferKB: number }

/** Navigates and waits for `ready`; wall time from the call, plus what the page fetched. */
async function timedLoad(page: Page, url: string, ready: string, reload = false): Promise<Load> {
  const t0 = performance.now();
  if (reload) await page.reload({ waitUntil: 'commit' });
  else await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor();
  const ms = performance.now() - t0;
  const seen = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    return {
      domContentLoadedMs: nav.domContentLoadedEventEnd,
      requests: 1 + resources.length,
      bytes: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
    };
  });
  return { ms, domContentLoadedMs: seen.domContentLoadedMs, requests: seen.requests, transferKB: seen.bytes / 1024 };
}

async function signedInCookie(endpoint: string, accessKeyId: string, secretAccessKey: string): Promise<string> {
  const res = await fetch(`${endpoint}/console/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId, secretAccessKey }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return /pier_console=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
}

async function createClusters(endpoint: string, env: NodeJS.ProcessEnv): Promise<void> {
  const { ECSClient, CreateClusterCommand } = await import('@aws-sdk/client-ecs');
  const ecs = new ECSClient({
    endpoint, region: env.AWS_REGION!, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  for (let i = 0; i < CLUSTERS; i += 1) await ecs.send(new CreateClusterCommand({ clusterName: `bench-${String(i).padStart(2, '0')}` }));
  ecs.destroy();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const machine = machineInfo();
  const pier = await startPier({});
  let browser: Browser | undefined;
  const results: Record<string, Load[]> = { 'floor: /_pier/health (JSON), cold': [], 'sign-in page, cold': [], 'clusters page, cold (signed in)': [], 'clusters page, warm reload': [] };
  const loads: number[] = [];
  try {
    await createClusters(pier.endpoint, pier.awsEnv());
    const cookie = await signedInCookie(pier.endpoint, pier.accessKeyId, pier.secretAccessKey);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const url = `${pier.endpoint}/console/`;
    for (let round = 0; round <= ROUNDS; round += 1) {
      loads.push(loadavg()[0]!);
      const blank = await browser.newContext();
      const floor = await timedLoad(await blank.newPage(), `${pier.endpoint}/_pier/health`, 'body');
      await blank.close();
      const cold = await browser.newContext();
      const signIn = await timedLoad(await cold.newPage(), url, '#access-key-id');
      await cold.close();
      const session = await browser.newContext();
      await session.addCookies([{ name: 'pier_console', value: cookie, url: `${pier.endpoint}/console/` }]);
      const page = await session.newPage();
      const clusters = await timedLoad(page, url, 'table.clusters tbody tr');
      const warm = await timedLoad(page, url, 'table.clusters tbody tr', true);
      await session.close();
      if (round === 0) continue; // the first round warms Chromium and Pier up; not counted
      results['floor: /_pier/health (JSON), cold']!.push(floor);
      results['sign-in page, cold']!.push(signIn);
      results['clusters page, cold (signed in)']!.push(clusters);
      results['clusters page, warm reload']!.push(warm);
      log(`round ${round}: floor ${floor.ms.toFixed(0)} ms, sign-in ${signIn.ms.toFixed(0)} ms, clusters ${clusters.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms`);
    }
  } finally {
    await browser?.close();
    await pier.destroy();
  }
  const rows = Object.entries(results).map(([name, list]) => [
    name, median(list.map((l) => l.ms)).toFixed(0), Math.min(...list.map((l) => l.ms)).toFixed(0), Math.max(...list.map((l) => l.ms)).toFixed(0),
    median(list.map((l) => l.domContentLoadedMs)).toFixed(0), String(median(list.map((l) => l.requests))), median(list.map((l) => l.transferKB)).toFixed(1),
  ]);
  console.log(`\nmachine: ${describeMachine(machine)}; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; ${ROUNDS} rounds, ${CLUSTERS} clusters\n`);
  console.log(markdownTable(['load', 'p50 ms to content', 'min', 'max', 'p50 DOMContentLoaded ms', 'requests', 'KB transferred'], rows, new Set([1, 2, 3, 4, 5, 6])));
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine, rounds: ROUNDS, clusters: CLUSTERS, results, loads }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
