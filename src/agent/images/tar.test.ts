import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { padding, TarScanner, tarEnd, tarHeader, type TarEntryInfo, type TarHeaderInput } from './tar.js';

function archive(entries: { h: TarHeaderInput; data?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const { h, data } of entries) {
    parts.push(tarHeader({ ...h, ...(data ? { size: data.length } : {}) }));
    if (data) parts.push(data, Buffer.alloc(padding(data.length)));
  }
  parts.push(tarEnd());
  return Buffer.concat(parts);
}

function scan(buf: Buffer, chunk: number): { entries: TarEntryInfo[]; scanner: TarScanner } {
  const entries: TarEntryInfo[] = [];
  const scanner = new TarScanner((e) => entries.push(e));
  for (let i = 0; i < buf.length; i += chunk) scanner.push(buf.subarray(i, i + chunk));
  return { entries, scanner };
}

describe('tar', () => {
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(80)}.txt`;
  const tarball = archive([
    { h: { path: 'etc', type: 'dir', mode: 0o755 } },
    { h: { path: 'etc/passwd', type: 'file', mode: 0o644 }, data: Buffer.from('root:x:0:0::/root:/bin/sh\n') },
    { h: { path: long, type: 'file' }, data: Buffer.alloc(1000, 1) },
    { h: { path: 'bin/sh', type: 'symlink', linkpath: `/${'l'.repeat(150)}` } },
    { h: { path: 'etc/.wh.gone', type: 'file' }, data: Buffer.alloc(0) },
    { h: { path: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 } },
    { h: { path: 'opq', type: 'dir', xattrs: { 'user.pier': 'yes' } } },
  ]);

  test('the scanner sees every member of what the writer wrote, however it is split', () => {
    for (const chunk of [tarball.length, 512, 100, 1]) {
      const { entries, scanner } = scan(tarball, chunk);
      assert.deepEqual(entries.map((e) => [e.path, e.type]), [
        ['etc/', 'dir'], ['etc/passwd', 'file'], [long, 'file'], ['bin/sh', 'symlink'], ['etc/.wh.gone', 'file'], ['dev/null', 'char'], ['opq/', 'dir'],
      ]);
      assert.equal(entries[3]!.linkpath, `/${'l'.repeat(150)}`);
      assert.equal(scanner.contentBytes, 26 + 1000);
      assert.equal(scanner.entries, 7);
      assert.equal(scanner.ended, true);
    }
  });

  test('GNU tar reads what the writer wrote, and the scanner reads what GNU tar wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pier-tar-'));
    try {
      writeFileSync(join(dir, 'a.tar'), tarball);
      const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      assert.match(listing, /etc\/passwd/);
      assert.match(listing, new RegExp(long));
      assert.match(listing, /dev\/null/);

      // GNU format with long names (././@LongLink) and a pax archive, made by tar itself.
      execFileSync('mkdir', ['-p', join(dir, 'src', 'x'.repeat(120))]);
      writeFileSync(join(dir, 'src', 'x'.repeat(120), 'y'.repeat(120)), 'hello');
      for (const format of ['gnu', 'pax', 'ustar']) {
        let tarFile: Buffer;
        try {
          tarFile = execFileSync('tar', ['-c', `--format=${format}`, '-C', join(dir, 'src'), '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
        } catch {
          continue; // ustar cannot hold the long name
        }
        const { entries, scanner } = scan(tarFile, 777);
        assert.ok(entries.some((e) => e.path.endsWith(`${'x'.repeat(120)}/${'y'.repeat(120)}`) && e.type === 'file' && e.size === 5), format);
        assert.equal(scanner.contentBytes, 5);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
