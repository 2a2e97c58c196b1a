import type Database from 'better-sqlite3';

/** Prepares each SQL text once per connection. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}
  get(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}
