/**
 * Numbered schema migrations for SQLite. Each runs in its own transaction and is recorded in
 * `schema_migrations` in that same transaction, so a crash mid-migration leaves it unapplied.
 * Append only: never edit a migration that has shipped.
 */
import type Database from 'better-sqlite3';
import { alarmsMigration, alarmTables } from './alarms.js';
import { elbv2Migration, elbv2Tables } from './elbv2.js';
import { autoScalingMigration, autoScalingTables } from './autoscaling.js';
import { iamMigration, iamTables } from './iam.js';
import { iamUsersMigration, iamUserTables } from './iam-users.js';
import { secretsMigration, secretTables } from './secrets.js';
import { servicesMigration, servicesTables } from './services.js';
import { stopNoticeMigration } from './tasks.js';
import { taskUsageMigration, taskUsageTables } from './task-usage.js';

export interface Migration { readonly id: number; readonly name: string; readonly sql: string }

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'init',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE access_keys (
        access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, user_name TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE clusters (
        name TEXT PRIMARY KEY, arn TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL,
        created_at INTEGER NOT NULL, version INTEGER NOT NULL);
      CREATE TABLE task_definition_families (family TEXT PRIMARY KEY, last_revision INTEGER NOT NULL);
      CREATE TABLE task_definitions (
        family TEXT NOT NULL, revision INTEGER NOT NULL, arn TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
        body TEXT NOT NULL, size TEXT NOT NULL, registered_at INTEGER NOT NULL, registered_by TEXT,
        deregistered_at INTEGER, delete_requested_at INTEGER, PRIMARY KEY (family, revision));
      CREATE INDEX task_definitions_by_status ON task_definitions (status, family, revision);
      CREATE TABLE tasks (
        cluster TEXT NOT NULL, id TEXT NOT NULL, host_id TEXT, family TEXT NOT NULL, started_by TEXT,
        service_name TEXT, desired_status TEXT NOT NULL, last_status TEXT NOT NULL, launch_type TEXT NOT NULL,
        task_definition_arn TEXT NOT NULL, size TEXT NOT NULL, network TEXT, doc TEXT NOT NULL,
        version INTEGER NOT NULL, created_at INTEGER NOT NULL, stopped_at INTEGER,
        PRIMARY KEY (cluster, id));
      CREATE INDEX tasks_live_by_host ON tasks (host_id) WHERE last_status <> 'STOPPED';
      CREATE INDEX tasks_by_desired ON tasks (cluster, desired_status, id);
      CREATE INDEX tasks_stopped_at ON tasks (stopped_at) WHERE stopped_at IS NOT NULL;
      CREATE INDEX tasks_live_by_definition ON tasks (task_definition_arn) WHERE last_status <> 'STOPPED';
      CREATE TABLE tags (
        resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource_arn, key));
      CREATE TABLE hosts (
        id TEXT PRIMARY KEY, availability_zone TEXT NOT NULL, capacity TEXT NOT NULL, status TEXT NOT NULL,
        token_hash TEXT NOT NULL, hostname TEXT, runtimes TEXT NOT NULL, registered_at INTEGER NOT NULL,
        last_heartbeat_at INTEGER NOT NULL, version INTEGER NOT NULL);
      CREATE TABLE idempotency (
        scope TEXT NOT NULL, token TEXT NOT NULL, request_hash TEXT NOT NULL, result TEXT NOT NULL,
        created_at INTEGER NOT NULL, PRIMARY KEY (scope, token));
    `,
  },
  {
    id: 2,
    name: 'file systems (the EFS role)',
    sql: `
      CREATE TABLE file_systems (
        id TEXT PRIMARY KEY, creation_token TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at INTEGER NOT NULL);
    `,
  },
  {
    id: 3,
    name: 'task sizes as columns, for placement without reading every task document',
    sql: `
      ALTER TABLE tasks ADD COLUMN cpu INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN memory INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN disk INTEGER NOT NULL DEFAULT 0;
      UPDATE tasks SET cpu = json_extract(size, '$.cpu'), memory = json_extract(size, '$.memory'),
        disk = json_extract(size, '$.ephemeralStorageGiB');
      CREATE INDEX tasks_live_usage ON tasks (host_id, cpu, memory, disk) WHERE last_status <> 'STOPPED';
    `,
  },
  {
    id: 4,
    name: 'EC2 networking: VPCs, subnets, security groups and their rules, network interfaces (IPAM), tags',
    sql: `
      CREATE TABLE vpcs (
        id TEXT PRIMARY KEY, cidr_block TEXT NOT NULL, is_default INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX vpcs_one_default ON vpcs (is_default) WHERE is_default = 1;
      CREATE TABLE subnets (
        id TEXT PRIMARY KEY, vpc_id TEXT NOT NULL REFERENCES vpcs (id), cidr_block TEXT NOT NULL,
        availability_zone TEXT NOT NULL, default_for_az INTEGER NOT NULL, map_public_ip_on_launch INTEGER NOT NULL,
        first_address INTEGER NOT NULL, last_address INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE INDEX subnets_by_vpc ON subnets (vpc_id);
      CREATE TABLE security_groups (
        id TEXT PRIMARY KEY, vpc_id TEXT NOT NULL REFERENCES vpcs (id), name TEXT NOT NULL, description TEXT NOT NULL,
        created_at INTEGER NOT NULL, UNIQUE (vpc_id, name));
      CREATE TABLE security_group_rules (
        id TEXT PRIMARY KEY, group_id TEXT NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
        is_egress INTEGER NOT NULL, ip_protocol TEXT NOT NULL, from_port INTEGER, to_port INTEGER, cidr_ipv4 TEXT,
        referenced_group_id TEXT REFERENCES security_groups (id), description TEXT);
      CREATE INDEX security_group_rules_by_group ON security_group_rules (group_id);
      CREATE INDEX security_group_rules_by_reference ON security_group_rules (referenced_group_id)
        WHERE referenced_group_id IS NOT NULL;
      CREATE TABLE network_interfaces (
        id TEXT PRIMARY KEY, subnet_id TEXT NOT NULL REFERENCES subnets (id), vpc_id TEXT NOT NULL,
        availability_zone TEXT NOT NULL, private_ip INTEGER NOT NULL, mac_address TEXT NOT NULL,
        description TEXT NOT NULL, task_arn TEXT, created_at INTEGER NOT NULL, UNIQUE (subnet_id, private_ip));
      CREATE TABLE network_interface_groups (
        network_interface_id TEXT NOT NULL REFERENCES network_interfaces (id) ON DELETE CASCADE,
        group_id TEXT NOT NULL REFERENCES security_groups (id), position INTEGER NOT NULL,
        PRIMARY KEY (network_interface_id, group_id));
      CREATE INDEX network_interface_groups_by_group ON network_interface_groups (group_id);
      CREATE TABLE ec2_tags (
        resource_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource_id, key));
    `,
  },
  iamMigration,
  servicesMigration,
  elbv2Migration,
  stopNoticeMigration,
  autoScalingMigration,
  alarmsMigration,
  taskUsageMigration,
  secretsMigration,
  iamUsersMigration,
];

export function migrate(db: Database.Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
  const ran: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
      db.exec(m.sql);
    }).immediate();
    ran.push(m.id);
  }
  return ran;
}

/** Tables holding what users made through the API, for reset (access keys, meta and hosts stay). */
export const userStateTables = [
  'clusters', 'task_definition_families', 'task_definitions', 'tasks', 'tags', 'idempotency', 'file_systems',
  // EC2 networking, children before parents (foreign keys are on).
  'ec2_tags', 'network_interface_groups', 'network_interfaces', 'security_group_rules', 'security_groups', 'subnets', 'vpcs',
  ...iamUserTables,
  ...iamTables,
  ...servicesTables,
  ...elbv2Tables,
  ...autoScalingTables,
  ...alarmTables,
  ...secretTables,
  ...taskUsageTables,
] as const;
