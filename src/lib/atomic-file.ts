/** Files that readers (and a restarted process) see whole or not at all. */
import { renameSync, writeFileSync } from 'node:fs';

/** Writes `<path>.tmp`, then renames it over `path` (atomic on one file system). */
export function writeFileAtomic(path: string, data: string): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}
