/**
 * SQLite repository for ELBv2 (load balancers, listeners, rules, target groups, targets, tags and
 * hosts' target-health reports) and the migration that makes its tables.
 *
 * Each resource is one row: the unique keys ELBv2 enforces are columns (a load balancer's or
 * target group's name, a listener's port on its load balancer, a rule's priority on its listener),
 * the rest of the record is a JSON body. Counts stay small (ELBv2's quotas: 50 listeners per load
 * balancer, 100 rules per listener, 1000 targets per group), so lists read whole tables in key order.
 */
import {
  ConflictError, type Elbv2Repo, type ListenerRecord, type LoadBalancerRecord, type RuleRecord, type TargetGroupRecord,
  type TargetHealthReportRecord, type TargetRecord,
} from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const elbv2Migration: Migration = {
  id: 7,
  name: 'ELBv2: load balancers, listeners, rules, target groups, targets, tags, target-health reports',
  sql: `
    CREATE TABLE elb_load_balancers (arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
    CREATE TABLE elb_listeners (
      arn TEXT PRIMARY KEY, load_balancer_arn TEXT NOT NULL REFERENCES elb_load_balancers (arn), port INTEGER NOT NULL,
      body TEXT NOT NULL, UNIQUE (load_balancer_arn, port));
    CREATE TABLE elb_rules (
      arn TEXT PRIMARY KEY, listener_arn TEXT NOT NULL REFERENCES elb_listeners (arn), priority INTEGER NOT NULL,
      body TEXT NOT NULL, UNIQUE (listener_arn, priority));
    CREATE TABLE elb_target_groups (arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
    CREATE TABLE elb_targets (
      target_group_arn TEXT NOT NULL REFERENCES elb_target_groups (arn), id TEXT NOT NULL, port INTEGER NOT NULL,
      body TEXT NOT NULL, PRIMARY KEY (target_group_arn, id, port));
    CREATE TABLE elb_tags (
      resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, position INTEGER NOT NULL,
      PRIMARY KEY (resource_arn, key));
    CREATE TABLE elb_target_health (host_id TEXT PRIMARY KEY, reported_at INTEGER NOT NULL, targets TEXT NOT NULL);
  `,
};

/** ELBv2's tables, children before parents, for reset. */
export const elbv2Tables = [
  'elb_tags', 'elb_targets', 'elb_target_health', 'elb_rules', 'elb_listeners', 'elb_load_balancers', 'elb_target_groups',
] as const;

const parse = <T>(rows: unknown[]): T[] => (rows as { body: string }[]).map((r) => JSON.parse(r.body) as T);
const one = <T>(row: unknown): T | undefined => (row === undefined ? undefined : JSON.parse((row as { body: string }).body) as T);

export class SqliteElbv2Repo implements Elbv2Repo {
  constructor(private readonly s: Statements) {}

  private insert(sql: string, args: unknown[], what: string): void {
    if (this.s.get(`${sql} ON CONFLICT DO NOTHING`).run(...args).changes === 0) throw new ConflictError(`${what} exists`);
  }

  private update(sql: string, args: unknown[], what: string): void {
    try {
      this.s.get(sql).run(...args);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError(`${what} is taken`);
      throw err;
    }
  }

  async getLoadBalancer(arn: string): Promise<LoadBalancerRecord | undefined> {
    return one(this.s.get('SELECT body FROM elb_load_balancers WHERE arn = ?').get(arn));
  }

  async getLoadBalancerByName(name: string): Promise<LoadBalancerRecord | undefined> {
    return one(this.s.get('SELECT body FROM elb_load_balancers WHERE name = ?').get(name));
  }

  async listLoadBalancers(): Promise<LoadBalancerRecord[]> {
    return parse(this.s.get('SELECT body FROM elb_load_balancers ORDER BY name').all());
  }

  async insertLoadBalancer(r: LoadBalancerRecord): Promise<void> {
    this.insert('INSERT INTO elb_load_balancers (arn, name, body) VALUES (?, ?, ?)', [r.arn, r.name, JSON.stringify(r)], `load balancer ${r.name}`);
  }

  async updateLoadBalancer(r: LoadBalancerRecord): Promise<void> {
    this.s.get('UPDATE elb_load_balancers SET body = ? WHERE arn = ?').run(JSON.stringify(r), r.arn);
  }

  async removeLoadBalancer(arn: string): Promise<void> {
    for (const l of await this.listListeners(arn)) await this.removeListener(l.arn);
    this.s.get('DELETE FROM elb_tags WHERE resource_arn = ?').run(arn);
    this.s.get('DELETE FROM elb_load_balancers WHERE arn = ?').run(arn);
  }

  async getListener(arn: string): Promise<ListenerRecord | undefined> {
    return one(this.s.get('SELECT body FROM elb_listeners WHERE arn = ?').get(arn));
  }

  async listListeners(loadBalancerArn?: string): Promise<ListenerRecord[]> {
    return parse(this.s.get(`SELECT body FROM elb_listeners WHERE @lb IS NULL OR load_balancer_arn = @lb
      ORDER BY load_balancer_arn, port`).all({ lb: loadBalancerArn ?? null }));
  }

  async insertListener(r: ListenerRecord): Promise<void> {
    this.insert('INSERT INTO elb_listeners (arn, load_balancer_arn, port, body) VALUES (?, ?, ?, ?)',
      [r.arn, r.loadBalancerArn, r.port, JSON.stringify(r)], `a listener on port ${r.port}`);
  }

  async updateListener(r: ListenerRecord): Promise<void> {
    this.update('UPDATE elb_listeners SET port = ?, body = ? WHERE arn = ?', [r.port, JSON.stringify(r), r.arn], `port ${r.port}`);
  }

  async removeListener(arn: string): Promise<void> {
    this.s.get('DELETE FROM elb_tags WHERE resource_arn IN (SELECT arn FROM elb_rules WHERE listener_arn = ?)').run(arn);
    this.s.get('DELETE FROM elb_rules WHERE listener_arn = ?').run(arn);
    this.s.get('DELETE FROM elb_tags WHERE resource_arn = ?').run(arn);
    this.s.get('DELETE FROM elb_listeners WHERE arn = ?').run(arn);
  }

  async getRule(arn: string): Promise<RuleRecord | undefined> {
    return one(this.s.get('SELECT body FROM elb_rules WHERE arn = ?').get(arn));
  }

  async listRules(listenerArn?: string): Promise<RuleRecord[]> {
    return parse(this.s.get(`SELECT body FROM elb_rules WHERE @l IS NULL OR listener_arn = @l
      ORDER BY listener_arn, priority`).all({ l: listenerArn ?? null }));
  }

  async insertRule(r: RuleRecord): Promise<void> {
    this.insert('INSERT INTO elb_rules (arn, listener_arn, priority, body) VALUES (?, ?, ?, ?)',
      [r.arn, r.listenerArn, r.priority, JSON.stringify(r)], `priority ${r.priority}`);
  }

  async updateRule(r: RuleRecord): Promise<void> {
    this.update('UPDATE elb_rules SET priority = ?, body = ? WHERE arn = ?', [r.priority, JSON.stringify(r), r.arn], `priority ${r.priority}`);
  }

  async removeRule(arn: string): Promise<void> {
    this.s.get('DELETE FROM elb_tags WHERE resource_arn = ?').run(arn);
    this.s.get('DELETE FROM elb_rules WHERE arn = ?').run(arn);
  }

  async getTargetGroup(arn: string): Promise<TargetGroupRecord | undefined> {
    return one(this.s.get('SELECT body FROM elb_target_groups WHERE arn = ?').get(arn));
  }

  async getTargetGroupByName(name: string): Promise<TargetGroupRecord | undefined> {
    return one(this.s.get('SELECT body FROM elb_target_groups WHERE name = ?').get(name));
  }

  async listTargetGroups(): Promise<TargetGroupRecord[]> {
    return parse(this.s.get('SELECT body FROM elb_target_groups ORDER BY name').all());
  }

  async insertTargetGroup(r: TargetGroupRecord): Promise<void> {
    this.insert('INSERT INTO elb_target_groups (arn, name, body) VALUES (?, ?, ?)', [r.arn, r.name, JSON.stringify(r)], `target group ${r.name}`);
  }

  async updateTargetGroup(r: TargetGroupRecord): Promise<void> {
    this.s.get('UPDATE elb_target_groups SET body = ? WHERE arn = ?').run(JSON.stringify(r), r.arn);
  }

  async removeTargetGroup(arn: string): Promise<void> {
    this.s.get('DELETE FROM elb_targets WHERE target_group_arn = ?').run(arn);
    this.s.get('DELETE FROM elb_tags WHERE resource_arn = ?').run(arn);
    this.s.get('DELETE FROM elb_target_groups WHERE arn = ?').run(arn);
  }

  async listTargets(targetGroupArn?: string): Promise<TargetRecord[]> {
    return parse(this.s.get(`SELECT body FROM elb_targets WHERE @tg IS NULL OR target_group_arn = @tg
      ORDER BY target_group_arn, id, port`).all({ tg: targetGroupArn ?? null }));
  }

  async putTarget(r: TargetRecord): Promise<void> {
    this.s.get(`INSERT INTO elb_targets (target_group_arn, id, port, body) VALUES (?, ?, ?, ?)
      ON CONFLICT (target_group_arn, id, port) DO UPDATE SET body = excluded.body`).run(r.targetGroupArn, r.id, r.port, JSON.stringify(r));
  }

  async removeTarget(targetGroupArn: string, id: string, port: number): Promise<void> {
    this.s.get('DELETE FROM elb_targets WHERE target_group_arn = ? AND id = ? AND port = ?').run(targetGroupArn, id, port);
  }

  async tags(arns: readonly string[]): Promise<Map<string, { key: string; value: string }[]>> {
    const out = new Map<string, { key: string; value: string }[]>();
    for (const arn of arns) {
      out.set(arn, this.s.get('SELECT key, value FROM elb_tags WHERE resource_arn = ? ORDER BY position').all(arn) as { key: string; value: string }[]);
    }
    return out;
  }

  async putTags(arn: string, tags: readonly { key: string; value: string }[]): Promise<void> {
    for (const t of tags) {
      this.s.get(`INSERT INTO elb_tags (resource_arn, key, value, position)
        VALUES (@arn, @key, @value, (SELECT COALESCE(MAX(position), 0) + 1 FROM elb_tags WHERE resource_arn = @arn))
        ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`).run({ arn, key: t.key, value: t.value });
    }
  }

  async removeTags(arn: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) this.s.get('DELETE FROM elb_tags WHERE resource_arn = ? AND key = ?').run(arn, key);
  }

  async putHealthReport(r: TargetHealthReportRecord): Promise<void> {
    this.s.get(`INSERT INTO elb_target_health (host_id, reported_at, targets) VALUES (?, ?, ?)
      ON CONFLICT (host_id) DO UPDATE SET reported_at = excluded.reported_at, targets = excluded.targets`)
      .run(r.hostId, r.reportedAt, JSON.stringify(r.targets));
  }

  async healthReports(): Promise<TargetHealthReportRecord[]> {
    const rows = this.s.get('SELECT host_id, reported_at, targets FROM elb_target_health ORDER BY host_id').all() as
      { host_id: string; reported_at: number; targets: string }[];
    return rows.map((r) => ({ hostId: r.host_id, reportedAt: r.reported_at, targets: JSON.parse(r.targets) as TargetHealthReportRecord['targets'] }));
  }
}
