import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventsOf } from '../../logs/event-batch.js';
import type { ShipLogsRequest, ShipLogsResponse } from '../../protocol/agent.js';
import { ContainerLogShipper, MULTILINE_FLUSH_MS } from './log-shipper.js';

/** The server's side of the contract: per source a watermark, events below it dropped. */
class FakeServer {
  readonly messages: Record<string, string[]> = { stdout: [], stderr: [] };
  readonly watermark: Record<string, number> = { stdout: 0, stderr: 0 };
  failNext = 0;
  /** Ingests, then fails the reply: the agent never hears it was accepted. */
  loseNextReply = false;
  async ship(req: ShipLogsRequest): Promise<ShipLogsResponse> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('control plane unreachable');
    }
    const w = this.watermark[req.source]!;
    for (const e of eventsOf(req.events)) if (e.offset! >= w) this.messages[req.source]!.push(e.message);
    this.watermark[req.source] = Math.max(w, req.toOffset);
    if (this.loseNextReply) {
      this.loseNextReply = false;
      throw new Error('connection reset');
    }
    return { watermark: this.watermark[req.source]! };
  }
}

function setup(startPattern?: RegExp): { dir: string; server: FakeServer; clock: { ms: number }; shipper: () => ContainerLogShipper; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pier-shipper-'));
  const server = new FakeServer();
  const clock = { ms: 1_000 };
  const shipper = (): ContainerLogShipper => new ContainerLogShipper({
    taskArn: 'arn:t', containerName: 'app', dir, startPattern, ship: (r) => server.ship(r), now: () => clock.ms,
  });
  return { dir, server, clock, shipper, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('lines of stdout and stderr are shipped once each, across failures, lost replies and restarts', async () => {
  const { dir, server, shipper, cleanup } = setup();
  try {
    const a = shipper();
    appendFileSync(join(dir, 'stdout'), 'one\ntwo\npart');
    appendFileSync(join(dir, 'stderr'), 'err1\n');
    await a.pump();
    assert.deepEqual(server.messages, { stdout: ['one', 'two'], stderr: ['err1'] });

    appendFileSync(join(dir, 'stdout'), 'ial\nthree\n');
    server.failNext = 1;
    await assert.rejects(a.pump(), /unreachable/);
    await a.pump();
    assert.deepEqual(server.messages['stdout'], ['one', 'two', 'partial', 'three']);

    // The server takes a batch but the reply is lost, then the agent dies before it records it.
    appendFileSync(join(dir, 'stdout'), 'four\n');
    server.loseNextReply = true;
    await assert.rejects(a.pump(), /reset/);
    const b = shipper();
    appendFileSync(join(dir, 'stdout'), 'five\nlast, unterminated');
    await b.drain();
    assert.deepEqual(server.messages['stdout'], ['one', 'two', 'partial', 'three', 'four', 'five', 'last, unterminated']);
    assert.deepEqual(server.messages['stderr'], ['err1']);
  } finally {
    cleanup();
  }
});

test('a multi-line event waits for its next start, or is sent after the flush interval', async () => {
  const { dir, server, clock, shipper, cleanup } = setup(/^\[/);
  try {
    const s = shipper();
    appendFileSync(join(dir, 'stdout'), '[1] Error\n  at a\n  at b\n[2] ok\n');
    await s.pump();
    assert.deepEqual(server.messages['stdout'], ['[1] Error\n  at a\n  at b']);
    clock.ms += MULTILINE_FLUSH_MS;
    await s.pump();
    assert.deepEqual(server.messages['stdout'], ['[1] Error\n  at a\n  at b', '[2] ok']);
  } finally {
    cleanup();
  }
});

test('a pending multi-line event is read again after a restart, not lost', async () => {
  const { dir, server, shipper, cleanup } = setup(/^\[/);
  try {
    appendFileSync(join(dir, 'stdout'), '[1] a\n[2] b\n  more\n');
    await shipper().pump();
    assert.deepEqual(server.messages['stdout'], ['[1] a']);
    const again = shipper();
    appendFileSync(join(dir, 'stdout'), '  end\n');
    await again.drain();
    assert.deepEqual(server.messages['stdout'], ['[1] a', '[2] b\n  more\n  end']);
  } finally {
    cleanup();
  }
});

test('a large output ships in many batches; a restart after a lost reply in the middle stores every line once', async () => {
  const { dir, server, shipper, cleanup } = setup();
  try {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
    appendFileSync(join(dir, 'stdout'), `${lines.slice(0, 30_000).join('\n')}\n`);
    const a = shipper();
    // Every third batch the server stores but the reply is lost; then the agent "dies" and a new one resumes.
    let calls = 0;
    const ship = server.ship.bind(server);
    server.ship = async (req) => {
      if (req.events.timestamps.length > 0 && ++calls % 3 === 0) server.loseNextReply = true;
      return ship(req);
    };
    await assert.rejects(async () => {
      while (await a.pump());
    }, /reset/);
    appendFileSync(join(dir, 'stdout'), `${lines.slice(30_000).join('\n')}\n`);
    for (let i = 0; i < 100; i++) {
      try {
        await shipper().drain();
        break;
      } catch {
        // a lost reply: the next agent resumes
      }
    }
    assert.deepEqual(server.messages['stdout'], lines);
    assert.ok(calls > 6, `shipped in ${calls} batches`);
  } finally {
    cleanup();
  }
});
