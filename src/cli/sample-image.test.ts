import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { openLayout, pickEntry } from './oci-layout.js';
import { SAMPLE_DIR } from './sample.js';
import { buildSampleLayout } from './sample-image.js';

test('the hello sample builds to the same OCI layout twice: busybox with its applets, then the sample\'s files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-sample-image-'));
  try {
    const a = buildSampleLayout(SAMPLE_DIR, join(dir, 'a'), 'hello:1');
    const b = buildSampleLayout(SAMPLE_DIR, join(dir, 'b'), 'hello:1');
    assert.equal(a.digest, b.digest, 'same inputs, same digest: a second push uploads nothing');
    const layout = await openLayout(a.dir);
    try {
      const entry = pickEntry(layout, '1');
      assert.equal(entry.digest, a.digest);
      const manifest = JSON.parse(layout.readBlob(entry.digest).toString('utf8'));
      const config = JSON.parse(layout.readBlob(manifest.config.digest).toString('utf8'));
      assert.deepEqual(config.config.Cmd, ['/hello/start.sh']);
      assert.equal(manifest.layers.length, 2);
      const list = (i: number): string => {
        const tar = join(dir, `layer${i}.tar`);
        writeFileSync(tar, gunzipSync(layout.readBlob(manifest.layers[i].digest)));
        return execFileSync('tar', ['-tvf', tar], { encoding: 'utf8' });
      };
      const base = list(0);
      assert.match(base, /^-rwxr-xr-x 0\/0 +\d+ 1970-01-01 00:00 bin\/busybox$/m);
      assert.match(base, /^lrwxrwxrwx 0\/0 +0 1970-01-01 00:00 bin\/httpd -> busybox$/m);
      const sample = list(1);
      assert.match(sample, /^-rwxr-xr-x 0\/0 +\d+ 1970-01-01 00:00 hello\/start\.sh$/m);
      assert.match(sample, /^-rwxr-xr-x 0\/0 +\d+ 1970-01-01 00:00 hello\/www\/cgi-bin\/index\.cgi$/m);
    } finally {
      layout.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
