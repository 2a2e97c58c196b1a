import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  encodeFrame, exitFrame, FrameDecoder, FrameError, FrameType, MAX_FRAME_BYTES, readExit, readResize, resizeFrame,
} from './exec-stream.js';

test('frames come out whole however the bytes are cut', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.constantFrom(FrameType.STDIN, FrameType.STDOUT, FrameType.STDERR), fc.uint8Array({ maxLength: 300 })), { maxLength: 8 }),
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
    (frames, cuts) => {
      const bytes = Buffer.concat(frames.map(([t, p]) => encodeFrame(t, Buffer.from(p))));
      const d = new FrameDecoder();
      const out: { type: number; payload: number[] }[] = [];
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const n = cuts[i % cuts.length]!;
        for (const f of d.push(bytes.subarray(at, at + n))) out.push({ type: f.type, payload: [...f.payload] });
        at += n;
      }
      assert.deepEqual(out, frames.map(([type, p]) => ({ type, payload: [...p] })));
    },
  ));
});

test('EXIT carries a signed status, RESIZE rows and columns (clamped to 16 bits)', () => {
  const d = new FrameDecoder();
  const [exit, resize, big, eof] = d.push(Buffer.concat([exitFrame(-1), resizeFrame(40, 100), resizeFrame(70_000, -3), encodeFrame(FrameType.STDIN_EOF)]));
  assert.equal(exit!.type, FrameType.EXIT);
  assert.equal(readExit(exit!.payload), -1);
  assert.deepEqual(readResize(resize!.payload), { rows: 40, cols: 100 });
  assert.deepEqual(readResize(big!.payload), { rows: 65535, cols: 0 });
  assert.equal(eof!.type, FrameType.STDIN_EOF);
  assert.equal(eof!.payload.length, 0);
});

test('an unknown type or an oversized frame is refused', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from([99, 0, 0, 0, 0])), FrameError);
  const huge = Buffer.alloc(5);
  huge.writeUInt8(FrameType.STDOUT, 0);
  huge.writeUInt32BE(MAX_FRAME_BYTES + 1, 1);
  assert.throws(() => new FrameDecoder().push(huge), /larger than/);
});
