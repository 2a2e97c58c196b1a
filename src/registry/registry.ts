/**
 * The built-in image registry (the ECR role): blobs, upload sessions, repositories and tokens under
 * `<data dir>/registry/`, served on the API port at `/v2/` (distribution-api.ts) and managed
 * through the ECR API (src/api/ecr-service.ts).
 *
 * Image URIs are `<host:port of the Pier server>/<repository>`, e.g. `127.0.0.1:4600/web:1`:
 * what docker, skopeo and the agents can reach, unlike ECR's `<account>.dkr.ecr.<region>.amazonaws.com`.
 */
import { join } from 'node:path';
import type { AccountScope } from '../ecs/arn.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { BlobStore } from './blob-store.js';
import { DistributionError, nameUnknown } from './distribution-errors.js';
import { RegistryTokens } from './registry-tokens.js';
import { RepositoryStore, type RepositoryRecord } from './repositories.js';
import { UploadSessions } from './uploads.js';

export interface RegistryOptions {
  /** The data dir's `registry/` directory. */
  readonly dir: string;
  readonly scope: AccountScope;
  readonly clock: Clock;
  /** The account's session key (see registry-tokens.ts). */
  readonly sessionKey: Buffer;
  readonly agentToken: string;
  readonly log: Logger;
}

/** Abandoned upload sessions are removed after a day, as docker-registry's upload purging does by default (a week there). */
const UPLOAD_MAX_AGE_MS = 24 * 3600 * 1000;

export class Registry {
  readonly blobs: BlobStore;
  readonly uploads: UploadSessions;
  readonly repositories: RepositoryStore;
  readonly tokens: RegistryTokens;
  readonly scope: AccountScope;
  readonly clock: Clock;
  readonly log: Logger;
  private hostPort = '127.0.0.1';

  constructor(o: RegistryOptions) {
    this.scope = o.scope;
    this.clock = o.clock;
    this.log = o.log;
    this.blobs = new BlobStore(join(o.dir, 'blobs'));
    this.uploads = new UploadSessions(join(o.dir, 'uploads'), this.blobs, o.clock);
    this.repositories = new RepositoryStore(join(o.dir, 'repositories'));
    this.tokens = new RegistryTokens(o.sessionKey, o.agentToken);
  }

  /** Drops abandoned uploads; call at start-up. */
  async purgeUploads(): Promise<void> {
    const removed = await this.uploads.purge(UPLOAD_MAX_AGE_MS);
    if (removed > 0) this.log.info('registry: removed abandoned uploads', { removed });
  }

  /** Forgets every repository, image and upload (`pier reset`); blobs go too. */
  async reset(): Promise<void> {
    await this.repositories.clear();
    await this.uploads.clear();
    await this.blobs.clear();
  }

  /** Where clients reach the registry: the server's `host:port` (known once it listens). */
  get host(): string {
    return this.hostPort;
  }

  setHost(hostPort: string): void {
    this.hostPort = hostPort;
  }

  get registryId(): string {
    return this.scope.accountId;
  }

  repositoryUri(name: string): string {
    return `${this.hostPort}/${name}`;
  }

  /** The repository, or NAME_UNKNOWN as the distribution API says it. */
  async requireRepository(name: string): Promise<RepositoryRecord> {
    const repo = await this.repositories.get(name);
    if (!repo) throw nameUnknown(name, this.registryId);
    return repo;
  }
}

export { DistributionError };
