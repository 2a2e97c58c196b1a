/**
 * SQLite store (better-sqlite3, WAL). Two connections: a writer that runs one transaction at a
 * time (an async mutex queues the others, BEGIN IMMEDIATE takes SQLite's write lock), and a reader
 * that sees only committed data, so reads never wait for writers and never see half a transaction.
 *
 * A transaction function must await only store calls: anything slower (network, disk) would hold
 * the single write lock for every other writer.
 */
import Database from 'better-sqlite3';
import type { Repos, Store } from '../store.js';
import { SqliteClusterRepo } from './clusters.js';
import {
  SqliteEc2TagRepo, SqliteNetworkInterfaceRepo, SqliteSecurityGroupRepo, SqliteSubnetRepo, SqliteVpcRepo,
} from './ec2-network.js';
import { SqliteElbv2Repo } from './elbv2.js';
import { SqliteFileSystemRepo } from './file-systems.js';
import { SqliteRolePolicyRepo, SqliteRoleRepo } from './iam.js';
import { SqliteUserAccessKeyRepo, SqliteUserPolicyRepo, SqliteUserRepo } from './iam-users.js';
import { migrate, userStateTables } from './migrations.js';
import {
  SqliteAccessKeyRepo, SqliteHostRepo, SqliteIdempotencyRepo, SqliteMetaRepo, SqliteTagRepo,
} from './small-repos.js';
import { SqliteServiceRepo, SqliteTaskProtectionRepo } from './services.js';
import { SqliteAlarmRepo } from './alarms.js';
import { SqliteAutoScalingRepo } from './autoscaling.js';
import { SqliteParameterRepo, SqliteSecretRepo } from './secrets.js';
import { Statements } from './statements.js';
import { SqliteTaskDefinitionRepo } from './task-definitions.js';
import { SqliteTaskRepo } from './tasks.js';
import { SqliteTaskUsageRepo } from './task-usage.js';

function reposOn(db: Database.Database): Repos {
  const s = new Statements(db);
  return {
    clusters: new SqliteClusterRepo(s),
    taskDefinitions: new SqliteTaskDefinitionRepo(s),
    tasks: new SqliteTaskRepo(s),
    tags: new SqliteTagRepo(s),
    hosts: new SqliteHostRepo(s),
    idempotency: new SqliteIdempotencyRepo(s),
    accessKeys: new SqliteAccessKeyRepo(s),
    meta: new SqliteMetaRepo(s),
    fileSystems: new SqliteFileSystemRepo(s),
    vpcs: new SqliteVpcRepo(s),
    subnets: new SqliteSubnetRepo(s),
    securityGroups: new SqliteSecurityGroupRepo(s),
    networkInterfaces: new SqliteNetworkInterfaceRepo(s),
    ec2Tags: new SqliteEc2TagRepo(s),
    roles: new SqliteRoleRepo(s),
    rolePolicies: new SqliteRolePolicyRepo(s),
    users: new SqliteUserRepo(s),
    userPolicies: new SqliteUserPolicyRepo(s),
    userAccessKeys: new SqliteUserAccessKeyRepo(s),
    elbv2: new SqliteElbv2Repo(s),
    services: new SqliteServiceRepo(s),
    taskProtection: new SqliteTaskProtectionRepo(s),
    autoScaling: new SqliteAutoScalingRepo(s),
    alarms: new SqliteAlarmRepo(s),
    secrets: new SqliteSecretRepo(s),
    parameters: new SqliteParameterRepo(s),
    taskUsage: new SqliteTaskUsageRepo(s),
  };
}

export class SqliteStore implements Store {
  readonly read: Repos;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writeRepos: Repos;
  private queue: Promise<unknown> = Promise.resolve();

  /** Opens (creating and migrating if needed) the database at `path`; ":memory:" is not supported (two connections). */
  constructor(path: string) {
    this.writer = new Database(path);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = NORMAL');
    this.writer.pragma('busy_timeout = 5000');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('cache_size = -65536'); // 64 MiB: keeps 10,000s of task rows in memory
    migrate(this.writer);
    this.reader = new Database(path, { readonly: true });
    this.reader.pragma('busy_timeout = 5000');
    this.reader.pragma('cache_size = -65536');
    this.writeRepos = reposOn(this.writer);
    this.read = reposOn(this.reader);
  }

  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.writeRepos);
        this.writer.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw err;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async reset(): Promise<void> {
    await this.transaction(async () => {
      for (const t of userStateTables) this.writer.exec(`DELETE FROM ${t}`);
    });
  }

  async close(): Promise<void> {
    await this.queue;
    this.reader.close();
    this.writer.close();
  }
}
