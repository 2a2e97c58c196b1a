/**
 * The byte stream of an exec session (docs/exec.md), the same both ways of the connection the
 * server splices between `pier exec` and the agent running the command. Each frame is
 *
 *   type (1 byte) · payload length (4 bytes, big-endian) · payload
 *
 * Client to agent: STDIN, STDIN_EOF (no payload), RESIZE (rows, cols: 2 bytes each).
 * Agent (or the server, before an agent answered) to client: STDOUT, STDERR, EXIT (the exit
 * status: 4 bytes, signed), ERROR (a UTF-8 message; the session ends without a status).
 */
export const FrameType = {
  STDIN: 1, STDIN_EOF: 2, RESIZE: 3,
  STDOUT: 10, STDERR: 11, EXIT: 12, ERROR: 13,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface Frame { readonly type: FrameType; readonly payload: Buffer }

/** The caller's terminal, as it attached (upgrade headers x-pier-exec-tty/-rows/-cols/-term). */
export interface ExecTerminal {
  readonly tty: boolean;
  readonly rows: number;
  readonly cols: number;
  /** The caller's TERM, given to the command when it has a terminal. */
  readonly term?: string;
}

/** What an agent is told about a session to run (GET /agent/v1/hosts/{id}/exec-sessions returns `{ sessions }`). */
export interface ExecAssignment {
  readonly sessionId: string;
  readonly taskArn: string;
  readonly containerName: string;
  readonly command: string;
  readonly terminal: ExecTerminal;
}

/** The upgrade token both sides send (`Upgrade: pier-exec`). */
export const EXEC_UPGRADE = 'pier-exec';

const HEADER = 5;
/** Larger frames are a broken peer, not data: the decoder refuses them. */
export const MAX_FRAME_BYTES = 1024 * 1024;
const KNOWN = new Set<number>(Object.values(FrameType));

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt8(type, 0);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, HEADER);
  return out;
}

export const exitFrame = (code: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(code, 0);
  return encodeFrame(FrameType.EXIT, b);
};

export const resizeFrame = (rows: number, cols: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(clampSize(rows), 0);
  b.writeUInt16BE(clampSize(cols), 2);
  return encodeFrame(FrameType.RESIZE, b);
};

export const readExit = (payload: Buffer): number => (payload.length >= 4 ? payload.readInt32BE(0) : -1);
export const readResize = (payload: Buffer): { rows: number; cols: number } =>
  ({ rows: payload.length >= 4 ? payload.readUInt16BE(0) : 0, cols: payload.length >= 4 ? payload.readUInt16BE(2) : 0 });

const clampSize = (n: number): number => Math.max(0, Math.min(0xffff, Math.trunc(Number.isFinite(n) ? n : 0)));

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Cuts a byte stream into frames, however the bytes arrive. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** The frames completed by this chunk (none while a frame is still arriving). Throws FrameError on a bad frame. */
  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (this.buffered.length >= HEADER) {
      const type = this.buffered.readUInt8(0);
      const length = this.buffered.readUInt32BE(1);
      if (!KNOWN.has(type)) throw new FrameError(`unknown exec frame type ${type}`);
      if (length > MAX_FRAME_BYTES) throw new FrameError(`exec frame of ${length} bytes is larger than ${MAX_FRAME_BYTES}`);
      if (this.buffered.length < HEADER + length) break;
      frames.push({ type: type as FrameType, payload: this.buffered.subarray(HEADER, HEADER + length) });
      this.buffered = this.buffered.subarray(HEADER + length);
    }
    return frames;
  }
}
