/**
 * The console's files, read once and held in memory with their gzip forms: the page's own ES
 * modules (src/console/web, served as written: no bundler) and the UI libraries straight from
 * node_modules under versioned paths. index.html gets an import map naming those paths, so the
 * page imports `preact`, `htm` and `uplot` by name.
 *
 * Caching: library paths carry their version, so they are immutable for a year; the page's own
 * files and index.html are `no-cache` with an ETag, so a new Pier's page is picked up at once and
 * an unchanged one costs a 304.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WEB_DIR = join(REPO_ROOT, 'src', 'console', 'web');
const MODULES = join(REPO_ROOT, 'node_modules');

export const CONSOLE_PATH = '/console/';

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  readonly cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Library files the page imports: import-map name (if any), package, file inside the package. */
const VENDOR: readonly { name?: string; pkg: string; file: string }[] = [
  { name: 'preact', pkg: 'preact', file: 'dist/preact.mjs' },
  { name: 'preact/hooks', pkg: 'preact', file: 'hooks/dist/hooks.mjs' },
  { name: 'htm', pkg: 'htm', file: 'dist/htm.mjs' },
  { name: 'uplot', pkg: 'uplot', file: 'dist/uPlot.esm.js' },
  { pkg: 'uplot', file: 'dist/uPlot.min.css' },
];

function asset(path: string, body: Buffer, cacheControl: string): Asset {
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  return {
    type, body, cacheControl,
    gzip: body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]);
}

const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(join(MODULES, pkg, 'package.json'), 'utf8')) as { version: string }).version;

export interface ConsoleAssets {
  readonly byPath: ReadonlyMap<string, Asset>;
  /** The import map's sha256, for the Content-Security-Policy that lets only it run inline. */
  readonly importMapHash: string;
}

export function loadConsoleAssets(): ConsoleAssets {
  const byPath = new Map<string, Asset>();
  const imports: Record<string, string> = {};
  const stylesheets: string[] = [];
  for (const v of VENDOR) {
    const url = `${CONSOLE_PATH}vendor/${v.pkg}@${versionOf(v.pkg)}/${v.file.slice(v.file.lastIndexOf('/') + 1)}`;
    byPath.set(url, asset(v.file, readFileSync(join(MODULES, v.pkg, v.file)), IMMUTABLE));
    if (v.name) imports[v.name] = url;
    else stylesheets.push(url);
  }
  const importMap = JSON.stringify({ imports });
  for (const file of filesUnder(WEB_DIR)) {
    const rel = relative(WEB_DIR, file).split(sep).join('/');
    if (rel === 'index.html') continue;
    byPath.set(`${CONSOLE_PATH}app/${rel}`, asset(file, readFileSync(file), REVALIDATE));
  }
  const index = readFileSync(join(WEB_DIR, 'index.html'), 'utf8')
    .replace('<!-- import map -->', `<script type="importmap">${importMap}</script>`)
    .replace('%UPLOT_CSS%', stylesheets[0]!)
    // Preloaded so the browser fetches them with the page's own modules instead of after them (uPlot loads with the first chart).
    .replace('<!-- library preloads -->', ['preact', 'preact/hooks', 'htm'].map((n) => `<link rel="modulepreload" href="${imports[n]!}">`).join('\n'));
  byPath.set(CONSOLE_PATH, asset('index.html', Buffer.from(index), REVALIDATE));
  return { byPath, importMapHash: createHash('sha256').update(importMap).digest('base64') };
}
