/**
 * What the registry needs to know about a pushed manifest: its media type, the blobs an image
 * manifest references (config and layers, which must be in the repository), the manifests an
 * index references, and the sizes ECR reports. Schema 1 manifests are refused, as ECR does for new pushes.
 */
import { MediaTypes } from '../lib/oci-media-types.js';
import { isDigest } from './digest.js';
import { DistributionError } from './distribution-errors.js';


const INDEX_TYPES = new Set<string>([MediaTypes.OciIndex, MediaTypes.DockerManifestList]);
const IMAGE_TYPES = new Set<string>([MediaTypes.OciManifest, MediaTypes.DockerManifest]);

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ParsedManifest {
  readonly mediaType: string;
  /** Blobs that must be in the repository: config then layers (image manifests). */
  readonly blobs: readonly string[];
  /** Manifests that must be in the repository (indexes). */
  readonly children: readonly string[];
  /** Sum of layer sizes (image manifests); ECR's imageSizeInBytes. */
  readonly layerBytes: number;
  /** The config's media type (ECR's artifactMediaType). */
  readonly artifactMediaType?: string;
}

interface Descriptor { mediaType?: unknown; digest?: unknown; size?: unknown; urls?: unknown }

const invalid = (message: string): DistributionError => new DistributionError('MANIFEST_INVALID', message);

function descriptor(d: unknown, where: string): { digest: string; size: number; mediaType?: string; external: boolean } {
  const x = d as Descriptor | null;
  if (!x || typeof x !== 'object' || typeof x.digest !== 'string' || !isDigest(x.digest)) throw invalid(`${where} has no valid sha256 digest`);
  if (typeof x.size !== 'number' || !Number.isInteger(x.size) || x.size < 0) throw invalid(`${where} has no valid size`);
  return {
    digest: x.digest, size: x.size,
    ...(typeof x.mediaType === 'string' ? { mediaType: x.mediaType } : {}),
    // Non-distributable layers live at their URLs, not in the registry.
    external: Array.isArray(x.urls) && x.urls.length > 0,
  };
}

export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('the manifest is not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('the manifest is not a JSON object');
  if (doc.schemaVersion !== 2) throw invalid(`schemaVersion ${String(doc.schemaVersion)} is not supported (only 2: OCI and Docker schema 2)`);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = contentType?.split(';')[0]!.trim();
  const known = (t: string | undefined): t is string => t !== undefined && (INDEX_TYPES.has(t) || IMAGE_TYPES.has(t));
  if (declared && known(header) && declared !== header) throw invalid(`the manifest's mediaType ${declared} differs from its Content-Type ${header}`);
  const mediaType = declared ?? (known(header) ? header : Array.isArray(doc.manifests) ? MediaTypes.OciIndex : MediaTypes.OciManifest);
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw invalid('an index needs a manifests list');
    const children = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`).digest);
    return { mediaType, blobs: [], children, layerBytes: 0 };
  }
  if (!IMAGE_TYPES.has(mediaType)) throw invalid(`media type ${mediaType} is not a manifest type this registry stores`);
  const config = descriptor(doc.config, 'config');
  if (!Array.isArray(doc.layers)) throw invalid('an image manifest needs a layers list');
  const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`));
  return {
    mediaType,
    blobs: [config.digest, ...layers.filter((l) => !l.external).map((l) => l.digest)],
    children: [],
    layerBytes: layers.reduce((n, l) => n + l.size, 0),
    ...(config.mediaType ? { artifactMediaType: config.mediaType } : {}),
  };
}
