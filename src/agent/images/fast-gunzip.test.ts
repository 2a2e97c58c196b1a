import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { FastGunzip } from './fast-gunzip.js';

async function gunzip(data: Buffer, chunk: number | 'random' = data.length || 1): Promise<{ out: Buffer }> {
  const g = new FastGunzip();
  const parts: Buffer[] = [];
  g.on('data', (d: Buffer) => parts.push(d));
  let failed = false;
  const done = new Promise<void>((resolve, reject) => {
    g.once('end', resolve);
    g.once('error', (err) => {
      failed = true;
      reject(err);
    });
  });
  done.catch(() => undefined);
  let at = 0;
  while (at < data.length && !failed) {
    const n = chunk === 'random' ? 1 + Math.floor(Math.random() * 9000) : chunk;
    if (!g.write(data.subarray(at, at + n))) await new Promise((r) => { g.once('drain', r); g.once('close', r); });
    at += n;
  }
  if (!failed) g.end();
  await done;
  return { out: Buffer.concat(parts) };
}

const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(4000));

/** gzip with a sync flush between parts (block boundaries, back-references across them). */
function gzipParts(parts: Buffer[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const z = zlib.createGzip({ level: 6 });
    const out: Buffer[] = [];
    z.on('data', (d: Buffer) => out.push(d));
    z.on('end', () => resolve(Buffer.concat(out)));
    const next = (i: number): void => {
      if (i === parts.length) {
        z.end();
        return;
      }
      z.write(parts[i]);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => next(i + 1));
    };
    next(0);
  });
}

describe('FastGunzip', () => {
  test('matches zlib on incompressible, compressible, mixed and multi-member data, however the input is split', async () => {
    const random = randomBytes(100_000);
    const r20 = randomBytes(20_000);
    const inputs: [string, Buffer, Buffer][] = [
      ['random, level 6', zlib.gzipSync(random), random],
      ['random, level 0', zlib.gzipSync(random, { level: 0 }), random],
      ['text', zlib.gzipSync(text), text],
      ['text then random', zlib.gzipSync(Buffer.concat([text, random])), Buffer.concat([text, random])],
      ['random then repeat, flushed in parts', await gzipParts([r20, r20, text, r20]), Buffer.concat([r20, r20, text, r20])],
      ['multi-member with trailing zeros', Buffer.concat([zlib.gzipSync(random), zlib.gzipSync(text), zlib.gzipSync(random.subarray(0, 1000)), Buffer.alloc(1024)]),
        Buffer.concat([random, text, random.subarray(0, 1000)])],
      ['empty member', zlib.gzipSync(Buffer.alloc(0)), Buffer.alloc(0)],
    ];
    for (const [name, gz, want] of inputs) {
      for (const chunk of [gz.length, 65536, 4096, 'random', ...(gz.length < 20_000 ? [7] : [])] as const) {
        const { out } = await gunzip(gz, chunk);
        assert.ok(out.equals(want), `${name}, chunks of ${chunk}`);
      }
    }
  });

  test('one-byte writes through a mixed stream', async () => {
    const data = Buffer.concat([randomBytes(3000), text.subarray(0, 5000), randomBytes(3000)]);
    const gz = Buffer.concat([await gzipParts([data.subarray(0, 3000), data.subarray(3000)]), zlib.gzipSync(data)]);
    const { out } = await gunzip(gz, 1);
    assert.ok(out.equals(Buffer.concat([data, data])));
  });

  test('gzip(1) output with a file name, and headers with extra field, comment and header CRC', async () => {
    const random = randomBytes(100_000);
    const cli = execFileSync('gzip', ['-c'], { input: Buffer.concat([random, text]) });
    assert.ok((await gunzip(cli, 1000)).out.equals(Buffer.concat([random, text])));

    const raw = zlib.deflateRawSync(text);
    const header = Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]);
    const extra = Buffer.concat([Buffer.from([5, 0]), Buffer.from('extra')]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(text.length, 4);
    const gz = Buffer.concat([header, extra, Buffer.from('name\0comment\0'), Buffer.from([0xaa, 0xbb]), raw, trailer]);
    assert.ok((await gunzip(gz, 3)).out.equals(text));
  });

  test('truncated, corrupt and non-gzip input are errors', async () => {
    const gz = zlib.gzipSync(randomBytes(50_000));
    await assert.rejects(gunzip(gz.subarray(0, gz.length - 100)), /unexpected end/);
    const badLen = Buffer.from(gz);
    badLen[11] = badLen[11]! ^ 0xff; // first stored block's LEN
    await assert.rejects(gunzip(badLen), /gzip data is corrupt/);
    const badSize = Buffer.from(gz);
    badSize[badSize.length - 1] = badSize[badSize.length - 1]! ^ 1;
    await assert.rejects(gunzip(badSize), /size check failed/);
    await assert.rejects(gunzip(Buffer.from('not gzip at all')), /bad magic/);
    await assert.rejects(gunzip(Buffer.alloc(0)), /empty gzip stream/);
    const tz = zlib.gzipSync(text);
    await assert.rejects(gunzip(tz.subarray(0, tz.length - 20)), /gzip data is corrupt|unexpected end/);
  });
});
