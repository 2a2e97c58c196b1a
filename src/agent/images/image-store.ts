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
  /**
   * Unpacked layer directories, lowest first, each keyed by its diffID, ready to be overlayfs lower
   * dirs (whiteouts are char devices 0:0, opaque dirs carry trusted.overlay.opaque=y). A layer the
   * image repeats appears once, at its topmost position (same tree). `size`: bytes of file content.
   */
  layers: { diffId: string; dir: string; size: number }[];
}

/** What kind of failure an ImagePullError is, for callers that react differently (retry, report). */
export type ImagePullErrorCode =
  | 'InvalidReference' // the reference does not parse
  | 'NotFound' // no such repository, tag, digest or blob
  | 'Unauthorized' // no credentials, wrong credentials, or access denied
  | 'Unreachable' // connection refused, DNS, TLS, timeouts
  | 'DigestMismatch' // content does not match its digest or the config's diffID
  | 'NoMatchingPlatform' // an index without this host's os/architecture
  | 'UnsupportedMediaType' // schema 1, artifacts, unknown layer types
  | 'RegistryError' // the registry answered something else (5xx, 429, malformed JSON)
  | 'UnpackFailed' // the layer is not a valid (compressed) tar, or the disk is full
  | 'Aborted'; // PullOptions.signal fired

export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  readonly code: ImagePullErrorCode;
  /** Human-readable cause, used after "CannotPullContainerError: ". */
  constructor(message: string, options?: { cause?: unknown; code?: ImagePullErrorCode }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = options?.code ?? 'RegistryError';
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
