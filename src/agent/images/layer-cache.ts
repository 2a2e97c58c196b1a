/**
 * The unpacked layer cache: `<root>/layers/sha256/<diffIdHex>`, one directory per layer, shared
 * read-only by every task whose image has it, with references per holder (task id) and LRU garbage
 * collection.
 *
 * State on disk, `<root>/layers.json` (written to a temp file and renamed):
 *   { "version": 1,
 *     "layers":  { "<diffIdHex>": { diffId, size, fromBlob?, blobDigest?, blobSize?, lastUsed } },
 *     "holders": { "<holder>": ["<diffIdHex>", …] } }
 * A layer directory exists under layers/ only once it is complete (unpacked into tmp/ and renamed).
 * On start, leftovers are removed: tmp/, layer directories and blobs no record names (an agent
 * killed between the rename and the state write; no task can have been given those).
 *
 * Single flight: `ensure` for a diffID already being produced waits for that one. GC never removes
 * a layer a holder references, a pull has pinned, or one being produced; pulls wait while GC picks.
 * One LayerCache per root (one agent per host); two processes on one root are not supported.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { lstat, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, type ContentStore } from './content-store.js';

export interface LayerRecord {
  /** "sha256:<hex>" of the uncompressed tar. */
  diffId: string;
  /** Bytes of file content in the layer. */
  size: number;
  /** The compressed blob it was unpacked from (kept or not). */
  fromBlob?: string;
  /** The compressed blob kept in the content store, if any. */
  blobDigest?: string;
  blobSize?: number;
  /** Last pull or release that touched it (ms since the epoch): the LRU key. */
  lastUsed: number;
}

export type ProducedLayer = Pick<LayerRecord, 'size' | 'fromBlob' | 'blobDigest' | 'blobSize'>;

interface StateFile {
  version: 1;
  layers: Record<string, LayerRecord>;
  holders: Record<string, string[]>;
}

/** Holder that keeps layers found on disk when layers.json was unreadable, so GC cannot free them under a task. */
export const RECOVERED_HOLDER = 'pier:recovered';

export interface CacheUsage {
  layers: number;
  bytes: number;
  referencedLayers: number;
  referencedBytes: number;
  holders: number;
}

export class LayerCache {
  readonly layersDir: string;
  private readonly statePath: string;
  private state: StateFile = { version: 1, layers: {}, holders: {} };
  private readonly inflight = new Map<string, Promise<LayerRecord>>();
  private readonly pins = new Map<string, number>();
  private ready: Promise<void> | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private gcRunning: Promise<unknown> | undefined;

  constructor(readonly root: string, private readonly content: ContentStore, private readonly log: (msg: string) => void = () => undefined) {
    this.layersDir = join(root, 'layers', 'sha256');
    this.statePath = join(root, 'layers.json');
    mkdirSync(this.layersDir, { recursive: true });
  }

  layerDir(diffId: string): string {
    return join(this.layersDir, digestHex(diffId));
  }

  init(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  private async load(): Promise<void> {
    let recovered = false;
    try {
      const parsed = JSON.parse(await readFile(this.statePath, 'utf8')) as StateFile;
      if (parsed.version !== 1 || typeof parsed.layers !== 'object' || typeof parsed.holders !== 'object') throw new Error('unknown format');
      this.state = parsed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        const aside = `${this.statePath}.unreadable-${Date.now()}`;
        await rename(this.statePath, aside).catch(() => undefined);
        this.log(`image cache: ${this.statePath} was unreadable (${(err as Error).message}); moved to ${aside}, keeping every layer on disk referenced by "${RECOVERED_HOLDER}"`);
        recovered = true;
      }
    }
    // Leftovers of interrupted pulls, GCs and state writes.
    await rm(this.content.tmpDir, { recursive: true, force: true });
    for (const f of await readdir(this.root)) {
      if (f.startsWith('layers.json.tmp-')) await rm(join(this.root, f), { force: true });
    }
    mkdirSync(this.content.tmpDir, { recursive: true });

    const onDisk = new Set(await readdir(this.layersDir));
    if (recovered) {
      for (const hex of onDisk) {
        this.state.layers[hex] = { diffId: `sha256:${hex}`, size: await du(join(this.layersDir, hex)), lastUsed: Date.now() };
      }
      this.state.holders[RECOVERED_HOLDER] = [...onDisk];
    }
    for (const hex of Object.keys(this.state.layers)) {
      if (!onDisk.has(hex)) delete this.state.layers[hex];
    }
    for (const hex of onDisk) {
      if (!this.state.layers[hex]) {
        this.log(`image cache: removing layer ${hex} left by an interrupted pull`);
        await this.discardDir(join(this.layersDir, hex));
      }
    }
    const keptBlobs = new Set(Object.values(this.state.layers).map((l) => l.blobDigest).filter((d): d is string => d !== undefined).map(digestHex));
    for (const hex of await readdir(this.content.blobsDir)) {
      if (!keptBlobs.has(hex)) await rm(join(this.content.blobsDir, hex), { force: true });
    }
    for (const l of Object.values(this.state.layers)) {
      if (l.blobDigest && !existsSync(this.content.blobPath(l.blobDigest))) {
        delete l.blobDigest;
        delete l.blobSize;
      }
    }
    await this.persist();
  }

  /** Moves a directory out of the way (one rename, so it never looks half-deleted), then deletes it. */
  private async discardDir(dir: string): Promise<void> {
    const aside = join(this.content.tmpDir, `discard-${randomBytes(6).toString('hex')}`);
    await rename(dir, aside);
    await rm(aside, { recursive: true, force: true });
  }

  get(diffId: string): LayerRecord | undefined {
    return this.state.layers[digestHex(diffId)];
  }

  /** Whether a cached layer was unpacked from this compressed blob (before the config says its diffID). */
  hasLayerFromBlob(blobDigest: string): boolean {
    return Object.values(this.state.layers).some((l) => l.fromBlob === blobDigest);
  }

  /**
   * Pins layers in memory for the duration of a pull, so GC leaves them alone before the holder's
   * references are recorded. Waits while a GC is choosing what to remove. Returns the unpin function.
   */
  async pin(diffIds: readonly string[]): Promise<() => void> {
    await this.init();
    while (this.gcRunning) await this.gcRunning.catch(() => undefined);
    const hexes = diffIds.map(digestHex);
    for (const h of hexes) this.pins.set(h, (this.pins.get(h) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const h of hexes) {
        const n = (this.pins.get(h) ?? 1) - 1;
        if (n <= 0) this.pins.delete(h);
        else this.pins.set(h, n);
      }
    };
  }

  /**
   * The layer's record, producing it first when absent: `produce` fills a fresh directory under
   * tmp/ (see `newTempDir`) and returns it with the sizes; the directory is renamed into the cache
   * when `produce` resolves. `produce` removes its directory itself when it fails. Concurrent calls
   * for one diffID share one `produce`.
   */
  async ensure(diffId: string, produce: () => Promise<ProducedLayer & { dir: string }>): Promise<LayerRecord> {
    await this.init();
    const hex = digestHex(diffId);
    const have = this.state.layers[hex];
    if (have) {
      have.lastUsed = Date.now();
      return have;
    }
    const running = this.inflight.get(hex);
    if (running) return running;
    const p = (async () => {
      const { dir, ...made } = await produce();
      try {
        await rename(dir, join(this.layersDir, hex));
      } catch (err) {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw err;
      }
      const rec: LayerRecord = { diffId, ...made, lastUsed: Date.now() };
      this.state.layers[hex] = rec;
      await this.persist();
      return rec;
    })();
    this.inflight.set(hex, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(hex);
    }
  }

  /** Records that `holder` uses these layers (added to what it already holds). */
  async acquire(holder: string, diffIds: readonly string[]): Promise<void> {
    await this.init();
    const now = Date.now();
    const set = new Set(this.state.holders[holder] ?? []);
    for (const d of diffIds) {
      const hex = digestHex(d);
      set.add(hex);
      const rec = this.state.layers[hex];
      if (rec) rec.lastUsed = now;
    }
    this.state.holders[holder] = [...set];
    await this.persist();
  }

  async release(holder: string): Promise<void> {
    await this.init();
    const held = this.state.holders[holder];
    if (!held) return;
    const now = Date.now();
    for (const hex of held) {
      const rec = this.state.layers[hex];
      if (rec) rec.lastUsed = now;
    }
    delete this.state.holders[holder];
    await this.persist();
  }

  async holders(): Promise<string[]> {
    await this.init();
    return Object.keys(this.state.holders);
  }

  /** How many holders reference the layer. */
  async refcount(diffId: string): Promise<number> {
    await this.init();
    const hex = digestHex(diffId);
    return Object.values(this.state.holders).filter((l) => l.includes(hex)).length;
  }

  async usage(): Promise<CacheUsage> {
    await this.init();
    const referenced = this.referenced();
    let bytes = 0;
    let referencedBytes = 0;
    let referencedLayers = 0;
    for (const [hex, l] of Object.entries(this.state.layers)) {
      const b = l.size + (l.blobSize ?? 0);
      bytes += b;
      if (referenced.has(hex)) {
        referencedBytes += b;
        referencedLayers++;
      }
    }
    return { layers: Object.keys(this.state.layers).length, bytes, referencedLayers, referencedBytes, holders: Object.keys(this.state.holders).length };
  }

  private referenced(): Set<string> {
    const s = new Set<string>(this.pins.keys());
    for (const l of Object.values(this.state.holders)) for (const h of l) s.add(h);
    for (const h of this.inflight.keys()) s.add(h);
    return s;
  }

  /** Removes unreferenced layers (and their blobs), least recently used first, until at most `budgetBytes` remain. */
  async garbageCollect(budgetBytes: number): Promise<{ removedLayers: number; freedBytes: number }> {
    await this.init();
    while (this.gcRunning) await this.gcRunning.catch(() => undefined);
    const run = (async () => {
      const referenced = this.referenced();
      let total = 0;
      for (const l of Object.values(this.state.layers)) total += l.size + (l.blobSize ?? 0);
      const candidates = Object.entries(this.state.layers)
        .filter(([hex]) => !referenced.has(hex))
        .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
      const asides: string[] = [];
      let freedBytes = 0;
      let removedLayers = 0;
      for (const [hex, rec] of candidates) {
        if (total <= budgetBytes) break;
        const aside = join(this.content.tmpDir, `gc-${hex.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
        await rename(join(this.layersDir, hex), aside);
        asides.push(aside);
        if (rec.blobDigest) await this.content.remove(rec.blobDigest);
        delete this.state.layers[hex];
        const b = rec.size + (rec.blobSize ?? 0);
        total -= b;
        freedBytes += b;
        removedLayers++;
      }
      if (removedLayers > 0) await this.persist();
      return { removedLayers, freedBytes, asides };
    })();
    this.gcRunning = run;
    let result: { removedLayers: number; freedBytes: number; asides: string[] };
    try {
      result = await run;
    } finally {
      this.gcRunning = undefined;
    }
    // Out of layers/ already: deleting the files can take its time without blocking pulls.
    await Promise.all(result.asides.map((a) => rm(a, { recursive: true, force: true })));
    return { removedLayers: result.removedLayers, freedBytes: result.freedBytes };
  }

  /** Writes the state; concurrent callers share writes, and each returns once a write including its change is done. */
  private async persist(): Promise<void> {
    this.dirty = true;
    while (this.writing) await this.writing.catch(() => undefined);
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.writeNow().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  /**
   * Temp file + rename: a killed agent leaves the old or the new state, never a torn one. No fsync:
   * after a power loss no task survives to hold a layer, and layers the state does not name are
   * removed on start, so a lost write costs at most a download (and an fsync on a busy disk can
   * cost a pull tens of milliseconds).
   */
  private async writeNow(): Promise<void> {
    const tmp = `${this.statePath}.tmp-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, JSON.stringify(this.state), { mode: 0o600 });
    await rename(tmp, this.statePath);
  }
}

/** Apparent size of regular files under a directory. */
async function du(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) total += (await lstat(p)).size;
    }
  };
  await walk(dir).catch(() => undefined);
  return total;
}
