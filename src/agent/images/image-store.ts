/**
 * Images on a host: pull from any OCI distribution registry into a content store, unpack each
 * layer once into a shared read-only cache keyed by diffID, and hand tasks the layer directories
 * to stack with overlayfs. Implementations: `LocalImageStore` (images/local-image-store.ts).
 *
 * Guarantees:
 * - Every blob's digest is verified before it is used; a mismatch is an error, never a layer.
 * - Two pulls of the same layer at the same time download and unpack it once.
 * - A layer in use by a task (acquired and not released) is never garbage-collected.
 */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface PullOptions {
  /** Credentials for this image's registry (repositoryCredentials / ECR auth); anonymous when absent. */
  credentials?: RegistryCredentials;
  /** Registries reached over plain HTTP; 127.0.0.1/localhost are always allowed plain HTTP. */
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
}

/** The OCI image config fields a container needs (config.config in the image JSON). */
export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
  ExposedPorts?: Record<string, unknown>;
  Labels?: Record<string, string>;
}

export interface PulledImage {
  /** The reference as asked for, e.g. "127.0.0.1:5000/web:1". */
  reference: string;
  /** sha256 digest of the manifest actually used (after picking a platform from an index). */
  manifestDigest: string;
  /** The image ID: sha256 digest of the config blob. */
  configDigest: string;
  config: ImageRuntimeConfig;
  /** Unpacked layer directories, lowest first, each keyed by its diffID. */
  layers: { diffId: string; dir: string; size: number }[];
}

export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  /** Human-readable cause, used after "CannotPullContainerError: ". */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ImageStore {
  /**
   * Resolves, downloads (what is not cached) and unpacks an image, and takes a reference on each
   * of its layers for `holder` (a task id) so GC leaves them alone until `release(holder)`.
   * Throws ImagePullError with a message that says what went wrong (not found, unauthorized,
   * digest mismatch, unreachable registry, unsupported media type, no matching platform).
   */
  pull(reference: string, holder: string, opts?: PullOptions): Promise<PulledImage>;
  /** Drops every layer reference `holder` took. Idempotent. */
  release(holder: string): Promise<void>;
  /** Removes unreferenced layers and blobs, least recently used first, until under `budgetBytes`. */
  garbageCollect(budgetBytes: number): Promise<{ removedLayers: number; freedBytes: number }>;
}
