/**
 * ImageStore on one host's disk:
 *
 *   <root>/blobs/sha256/<hex>     compressed layer blobs (content-store.ts), verified before renamed in
 *   <root>/layers/sha256/<hex>    unpacked layers keyed by diffID (layer-cache.ts), overlayfs whiteouts
 *   <root>/layers.json            layer records and references per holder, written atomically
 *   <root>/tmp/                   in-progress downloads and unpacks (emptied on start)
 *
 * A pull resolves the reference to a manifest (registry-client.ts), opens the blobs the cache lacks
 * while it fetches the config, then downloads and unpacks every missing layer in one streaming pass
 * (unpack.ts), layers in parallel, each layer once however many pulls want it. Errors are
 * ImagePullErrors whose message names registry, repository, tag or digest and the cause, e.g.
 *   failed to resolve ref 127.0.0.1:5000/nope:latest: not found: repository "nope" does not exist in
 *   registry 127.0.0.1:5000 (MANIFEST_UNKNOWN: manifest unknown)
 *
 * One store per root (one agent per host). Needs root: layers keep owners, whiteouts are devices.
 */
import type { IncomingMessage } from 'node:http';
import { rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { ContentStore } from './content-store.js';
import { ImagePullError, type ImageRuntimeConfig, type ImageStore, type PulledImage, type PullOptions } from './image-store.js';
import { LayerCache, type CacheUsage, type ProducedLayer } from './layer-cache.js';
import { InvalidReferenceError, formatReference, parseReference } from './reference.js';
import { AuthCache, RegistryClient, RegistryError, createAgents, type Descriptor, type HttpAgents, type ImageConfigJson, type Platform } from './registry-client.js';
import { DEFAULT_TAG_TTL_MS, ResolutionCache } from './resolution-cache.js';
import { TarPool, type TarExtractor } from './tar-pool.js';
import { TAR_EXTRACT, UnpackError, unpackLayer, type GzipImpl } from './unpack.js';

export interface LocalImageStoreOptions {
  /** The store's directory (AgentConfig.imagesDir). */
  root: string;
  /** Keep compressed blobs in the content store after unpacking (default true). GC removes them with their layer. */
  keepBlobs?: boolean;
  /** Layers downloaded and unpacked at once, across all pulls (default 4). */
  maxConcurrentLayers?: number;
  /** Per registry request: connect + response head, and the longest idle gap in a body (default 30 s). */
  timeoutMs?: number;
  /** Delay before retrying a transient registry failure once (default 250 ms). */
  retryDelayMs?: number;
  /** Platform to pick from indexes (default: this host, linux/<process.arch>). */
  platform?: Platform;
  /**
   * gzip implementation: 'fast' (default: zlib raw inflate without the CRC pass, the diffID is
   * verified anyway), 'zlib' (node's Gunzip), 'cli' (gzip -dc; ≈ 3x slower than zlib here).
   * See bench/cold-start.ts.
   */
  gzip?: GzipImpl;
  /** Idle `tar -x` processes kept ready (default 4; 0 spawns per layer). */
  tarPool?: number;
  /**
   * How long a tag's resolution is reused without asking the registry again (default 5 s, 0:
   * never). See resolution-cache.ts.
   */
  tagTtlMs?: number;
  /** Epoch ms (tests). Default Date.now. */
  now?: () => number;
  log?: (msg: string) => void;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class LocalImageStore implements ImageStore {
  readonly content: ContentStore;
  readonly cache: LayerCache;
  private readonly auth = new AuthCache();
  private readonly agents: HttpAgents = createAgents();
  private readonly limit: Semaphore;
  private readonly tarPool: TarPool;
  private ready: Promise<void> | undefined;
  private activePulls = 0;
  /** Blob digests being downloaded or opened ahead (with counts), so concurrent pulls do not open them twice. */
  private readonly downloading = new Map<string, number>();
  /** Blob responses opened ahead while the config was fetched, by digest, for whichever pull downloads them. */
  private readonly prefetched = new Map<string, Promise<IncomingMessage>>();
  private readonly maxLayers: number;
  private readonly resolutions: ResolutionCache;

  constructor(private readonly opts: LocalImageStoreOptions) {
    mkdirSync(opts.root, { recursive: true });
    this.content = new ContentStore(opts.root);
    this.cache = new LayerCache(opts.root, this.content, opts.log);
    this.maxLayers = opts.maxConcurrentLayers ?? 4;
    this.limit = new Semaphore(this.maxLayers);
    this.resolutions = new ResolutionCache(opts.tagTtlMs ?? DEFAULT_TAG_TTL_MS, opts.now ?? Date.now);
    this.tarPool = new TarPool(this.content.tmpDir, TAR_EXTRACT, opts.tarPool ?? 4, () => this.activePulls > 0);
  }

  /**
   * Loads state, removes leftovers of an interrupted run and starts the idle tar processes. Every
   * method does this first on its own; an agent calls it at start so the first pull does not wait.
   */
  init(): Promise<void> {
    this.ready ??= this.cache.init().then(() => this.tarPool.fill());
    return this.ready;
  }

  /** Image configs by digest, most recently used last. */
  private readonly configs = new Map<string, { config: ImageConfigJson; diffIds: string[] }>();

  private rememberConfig(digest: string, c: { config: ImageConfigJson; diffIds: string[] }): void {
    this.configs.delete(digest);
    this.configs.set(digest, c);
    if (this.configs.size > 256) this.configs.delete(this.configs.keys().next().value!);
  }

  async pull(reference: string, holder: string, opts: PullOptions = {}): Promise<PulledImage> {
    this.activePulls++;
    try {
      return await this.pullOnce(reference, holder, opts);
    } finally {
      this.activePulls--;
    }
  }

  private async pullOnce(reference: string, holder: string, opts: PullOptions): Promise<PulledImage> {
    let ref;
    try {
      ref = parseReference(reference);
    } catch (err) {
      if (err instanceof InvalidReferenceError) throw new ImagePullError(err.message, { code: 'InvalidReference' });
      throw err;
    }
    const signal = opts.signal;
    const name = formatReference(ref);
    if (signal?.aborted) throw new ImagePullError(`pull of ${name} aborted`, { code: 'Aborted' });
    const client = new RegistryClient(ref, {
      authCache: this.auth, agents: this.agents,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}),
      ...(signal ? { signal } : {}),
      ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
      ...(this.opts.retryDelayMs !== undefined ? { retryDelayMs: this.opts.retryDelayMs } : {}),
      ...(this.opts.platform ? { platform: this.opts.platform } : {}),
    });

    const initialized = this.init(); // loads the cache state while the registry answers
    initialized.catch(() => undefined); // awaited below; a failure surfaces there
    const byDigest = ref.digest !== undefined;
    const key = ResolutionCache.key(name, opts.credentials);
    let manifest = this.resolutions.get(key, byDigest);
    if (!manifest) {
      try {
        manifest = await client.resolveManifest();
      } catch (err) {
        throw toPullError(err, `failed to resolve ref ${name}`);
      }
      this.resolutions.set(key, byDigest, manifest);
    }
    const { layers } = manifest;
    await initialized;

    // Open the blobs the cache lacks while the config is fetched: one registry round trip less.
    // (The cache is keyed by diffID, which only the config tells; blob digests are a good guess.)
    // Whichever pull ends up producing the layer takes the opened response (see fetchLayer).
    const shared = client.detached();
    const mine = new Map<string, Promise<IncomingMessage>>();
    for (const d of layers) {
      if (mine.size >= this.maxLayers) break;
      if (this.cache.hasLayerFromBlob(d.digest) || this.downloading.has(d.digest)) continue;
      const p = shared.openBlob(d, `layer ${d.digest}`);
      p.catch(() => undefined); // used or discarded below
      this.countDownload(d.digest, +1);
      this.prefetched.set(d.digest, p);
      mine.set(d.digest, p);
    }
    const discard = (): void => {
      for (const [digest, p] of mine) {
        if (this.prefetched.get(digest) !== p) continue; // taken by a download
        this.prefetched.delete(digest);
        this.countDownload(digest, -1);
        p.then((res) => res.destroy(), () => undefined);
      }
      mine.clear();
    };

    let config: ImageConfigJson;
    let diffIds: string[];
    try {
      // A config is content-addressed (its digest was verified when first fetched): a cached
      // image costs one registry round trip (the tag's manifest), not two.
      const known = this.configs.get(manifest.configDigest);
      ({ config, diffIds } = known ? structuredClone(known) : await client.fetchConfig(manifest));
      this.rememberConfig(manifest.configDigest, { config, diffIds });
    } catch (err) {
      discard();
      throw toPullError(err, `failed to resolve ref ${name}`);
    }

    const unpin = await this.cache.pin(diffIds);
    try {
      const records = await abortable(Promise.all(layers.map((desc, i) => {
        const diffId = diffIds[i]!;
        // Shared by concurrent pulls and not tied to this pull's signal: an abort only stops waiting.
        let counted = false;
        return this.cache.ensure(diffId, () => {
          const opened = this.prefetched.get(desc.digest);
          if (opened) this.prefetched.delete(desc.digest); // its count is now this download's
          else this.countDownload(desc.digest, +1);
          counted = true;
          return this.limit.run(() => this.fetchLayer(shared, desc, diffId, opened));
        }).catch((err: unknown) => {
          throw toPullError(err, `failed to pull layer ${desc.digest} of ${name}`, client.describe());
        }).finally(() => {
          // Only now is the layer in the cache's records, where the next pull looks first.
          if (counted) this.countDownload(desc.digest, -1);
        });
      })), signal, name);
      await this.cache.acquire(holder, diffIds);
      return {
        reference,
        manifestDigest: manifest.manifestDigest,
        configDigest: manifest.configDigest,
        config: runtimeConfig(config),
        layers: topmostOnce(records).map((r) => ({ diffId: r.diffId, dir: this.cache.layerDir(r.diffId), size: r.size })),
      };
    } finally {
      unpin();
      discard(); // prefetched for layers another pull produced meanwhile, or after a failure
    }
  }

  private countDownload(digest: string, delta: number): void {
    const n = (this.downloading.get(digest) ?? 0) + delta;
    if (n > 0) this.downloading.set(digest, n);
    else this.downloading.delete(digest);
  }

  /**
   * Downloads and unpacks one layer into a new directory under tmp/ (from `opened`, a response
   * opened ahead, when given); retries once when the connection fails midway.
   */
  private async fetchLayer(client: RegistryClient, desc: Descriptor, diffId: string, opened?: Promise<IncomingMessage>): Promise<ProducedLayer & { dir: string }> {
    for (let attempt = 0; ; attempt++) {
      const blobTmp = this.opts.keepBlobs === false ? undefined : this.content.tempPath();
      let res;
      let tar: TarExtractor | undefined;
      try {
        res = await (attempt === 0 && opened ? opened : client.openBlob(desc, `layer ${desc.digest}`));
        tar = this.tarPool.take();
        const r = await unpackLayer({
          source: res, expectedDigest: desc.digest, expectedSize: desc.size, expectedDiffId: diffId, extractor: tar,
          ...(blobTmp ? { blobTempPath: blobTmp } : {}),
          ...(this.opts.gzip ? { gzip: this.opts.gzip } : {}),
        });
        if (r.blobSize !== desc.size) {
          throw new UnpackError('blob-size', `the registry sent ${r.blobSize} bytes, the manifest lists ${desc.size}`);
        }
        if (blobTmp) await this.content.commit(blobTmp, desc.digest);
        return { dir: tar.dir, size: r.contentBytes, fromBlob: desc.digest, ...(blobTmp ? { blobDigest: desc.digest, blobSize: r.blobSize } : {}) };
      } catch (err) {
        res?.destroy();
        if (tar) {
          tar.kill();
          await tar.exit;
          await rm(tar.dir, { recursive: true, force: true });
        }
        if (blobTmp) await rm(blobTmp, { force: true });
        const transient = (err instanceof UnpackError && err.kind === 'source') || (err instanceof RegistryError && err.retryable);
        if (!transient || attempt >= 1) {
          if (err instanceof UnpackError && err.kind === 'source') throw client.describeStreamError(desc, err.cause ?? err);
          throw err;
        }
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 250));
      }
    }
  }

  release(holder: string): Promise<void> {
    return this.cache.release(holder);
  }

  garbageCollect(budgetBytes: number): Promise<{ removedLayers: number; freedBytes: number }> {
    return this.cache.garbageCollect(budgetBytes);
  }

  /** Holders with references (task ids), so a restarted agent can release the ones it no longer runs. */
  holders(): Promise<string[]> {
    return this.cache.holders();
  }

  usage(): Promise<CacheUsage> {
    return this.cache.usage();
  }

  /** Stops the idle tar processes and closes idle registry connections. */
  close(): void {
    this.tarPool.close();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/**
 * Layers lowest first with repeats dropped except the topmost: stacking a layer again above others
 * gives the same tree as having it only there (it re-adds and re-hides exactly what it did below),
 * and overlayfs need not see one directory twice. Old Docker builds repeat the empty layer.
 */
function topmostOnce<T extends { diffId: string }>(layers: T[]): T[] {
  const last = new Map(layers.map((l, i) => [l.diffId, i]));
  return layers.filter((l, i) => last.get(l.diffId) === i);
}

function runtimeConfig(c: ImageConfigJson): ImageRuntimeConfig {
  const cfg = (c.config ?? {}) as Record<string, unknown>;
  const out: ImageRuntimeConfig = {};
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v as string[] : undefined);
  const e = strings(cfg.Entrypoint);
  if (e) out.Entrypoint = e;
  const cmd = strings(cfg.Cmd);
  if (cmd) out.Cmd = cmd;
  const env = strings(cfg.Env);
  if (env) out.Env = env;
  if (typeof cfg.WorkingDir === 'string' && cfg.WorkingDir) out.WorkingDir = cfg.WorkingDir;
  if (typeof cfg.User === 'string' && cfg.User) out.User = cfg.User;
  if (typeof cfg.StopSignal === 'string' && cfg.StopSignal) out.StopSignal = cfg.StopSignal;
  if (cfg.ExposedPorts && typeof cfg.ExposedPorts === 'object') out.ExposedPorts = cfg.ExposedPorts as Record<string, unknown>;
  if (cfg.Labels && typeof cfg.Labels === 'object') out.Labels = cfg.Labels as Record<string, string>;
  return out;
}

function toPullError(err: unknown, prefix: string, what?: string): ImagePullError {
  if (err instanceof ImagePullError) return err;
  if (err instanceof RegistryError) return new ImagePullError(`${prefix}: ${err.message}`, { code: err.code, cause: err });
  const ctx = what ? ` (${what})` : '';
  if (err instanceof UnpackError) {
    const code = err.kind === 'blob-digest' || err.kind === 'diff-id' || err.kind === 'blob-size' ? 'DigestMismatch'
      : err.kind === 'source' ? 'Unreachable' : 'UnpackFailed';
    return new ImagePullError(`${prefix}: ${err.message}${ctx}`, { code, cause: err });
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC') return new ImagePullError(`${prefix}: the image cache's disk is full${ctx}`, { code: 'UnpackFailed', cause: err });
  return new ImagePullError(`${prefix}: ${e?.message ?? String(err)}${ctx}`, { code: 'UnpackFailed', cause: err });
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, name: string): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ImagePullError(`pull of ${name} aborted`, { code: 'Aborted' }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
