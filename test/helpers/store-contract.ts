/**
 * Runs a store behaviour suite against every Store implementation (today SQLite; PostgreSQL is
 * added here once). Each suite gets a fresh store in its own directory, removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

interface Implementation { name: string; open(dir: string): { store: Store; reopen(): Store } }

const implementations: Implementation[] = [{
  name: 'sqlite',
  open(dir) {
    const path = join(dir, 'pier.db');
    return { store: new SqliteStore(path), reopen: () => new SqliteStore(path) };
  },
}];

/** The store a suite's tests use; reopen() closes it and opens the same data again. */
export interface StoreSubject {
  readonly store: Store;
  reopen(): Promise<void>;
}

export function describeStoreContract(title: string, tmpPrefix: string, body: (subject: StoreSubject) => void): void {
  for (const impl of implementations) {
    describe(`store contract${title ? ` (${title})` : ''}: ${impl.name}`, () => {
      let dir = '';
      let opened: ReturnType<Implementation['open']> | undefined;
      const subject: StoreSubject = {
        get store() {
          if (!opened) throw new Error('the store is opened before the suite runs');
          return opened.store;
        },
        async reopen() {
          await subject.store.close();
          opened = { ...opened!, store: opened!.reopen() };
        },
      };
      before(() => {
        dir = mkdtempSync(join(tmpdir(), tmpPrefix));
        opened = impl.open(dir);
      });
      after(async () => {
        await opened?.store.close();
        rmSync(dir, { recursive: true, force: true });
      });
      body(subject);
    });
  }
}
