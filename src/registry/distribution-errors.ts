/**
 * Errors of the OCI distribution API: `{"errors":[{"code","message","detail"}]}` with the status the
 * spec gives each code. The registry's storage throws these; the HTTP layer writes them.
 */
export const DistributionCodes = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
} as const;
export type DistributionCode = keyof typeof DistributionCodes;

export class DistributionError extends Error {
  readonly status: number;
  constructor(readonly code: DistributionCode, message: string, readonly detail?: unknown, status?: number) {
    super(message);
    this.status = status ?? DistributionCodes[code];
  }

  toJson(): string {
    // RANGE_INVALID is not a spec code: out-of-order chunks are BLOB_UPLOAD_INVALID with a 416.
    const code = this.code === 'RANGE_INVALID' ? 'BLOB_UPLOAD_INVALID' : this.code;
    return JSON.stringify({ errors: [{ code, message: this.message, ...(this.detail !== undefined ? { detail: this.detail } : {}) }] });
  }
}

export const nameUnknown = (name: string, registryId: string): DistributionError =>
  new DistributionError('NAME_UNKNOWN', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`, { name });
