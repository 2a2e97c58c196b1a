/**
 * What the store keeps for Secrets Manager secrets and SSM parameters. Secret values and
 * SecureString values arrive here already sealed (src/secrets/value-cipher.ts): the store never
 * sees a plaintext secret, so nothing that reads the database file can either.
 */

export interface KeyValueTag { Key: string; Value: string }

export interface SecretRecord {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: KeyValueTag[];
  createdAt: number;
  lastChangedAt: number;
  /** Day (UTC midnight, ms) the value was last read, as AWS reports it. */
  lastAccessedAt?: number;
  /** Set while the secret is scheduled for deletion: when DeleteSecret ran, and when the window ends. */
  deletedAt?: number;
  deletionDate?: number;
}

export interface SecretVersionRecord {
  secretArn: string;
  versionId: string;
  /** Staging labels; a version with none is deprecated. */
  stages: string[];
  kind: 'string' | 'binary';
  /** The value, sealed under the secrets key with the ARN and version id as associated data. */
  sealed: string;
  createdAt: number;
}

export interface SecretRepo {
  get(arn: string): Promise<SecretRecord | undefined>;
  getByName(name: string): Promise<SecretRecord | undefined>;
  /** Secrets whose ARN starts with `prefix` (a partial ARN names a secret without its suffix). */
  listByArnPrefix(prefix: string): Promise<SecretRecord[]>;
  list(): Promise<SecretRecord[]>;
  insert(r: SecretRecord): Promise<void>;
  update(r: SecretRecord): Promise<void>;
  /** Removes the secret and every version. */
  remove(arn: string): Promise<void>;
  /** Removes secrets whose recovery window ended at or before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  versions(arn: string): Promise<SecretVersionRecord[]>;
  insertVersion(v: SecretVersionRecord): Promise<void>;
  setStages(arn: string, versionId: string, stages: readonly string[]): Promise<void>;
  removeVersion(arn: string, versionId: string): Promise<void>;
}

export interface ParameterVersionRecord {
  name: string;
  version: number;
  type: 'String' | 'StringList' | 'SecureString';
  /** Plain text for String and StringList; sealed (base64) for SecureString. */
  value: string;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
  tier: 'Standard' | 'Advanced';
  dataType: string;
  modifiedAt: number;
  modifiedBy: string;
}

export interface ParameterRepo {
  current(name: string): Promise<ParameterVersionRecord | undefined>;
  version(name: string, version: number): Promise<ParameterVersionRecord | undefined>;
  /** Current versions of every parameter, by name. */
  listCurrent(): Promise<ParameterVersionRecord[]>;
  tags(name: string): Promise<KeyValueTag[]>;
  /** Adds a version and makes it current; `tags` are set only when the parameter is new. */
  putVersion(v: ParameterVersionRecord, tags: readonly KeyValueTag[]): Promise<void>;
  /** Drops versions older than `keepFrom`. */
  pruneVersions(name: string, keepFrom: number): Promise<void>;
  remove(name: string): Promise<boolean>;
}
