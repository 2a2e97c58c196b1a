/**
 * The caller's end of an exec session: this terminal (or these pipes) joined to the session's
 * connection in frames (src/protocol/exec-stream.ts). With a terminal, it is put in raw mode so
 * every key goes to the command, and window size changes follow.
 */
import type { Duplex } from 'node:stream';
import {
  encodeFrame, FrameDecoder, FrameType, readExit, resizeFrame,
} from '../../protocol/exec-stream.js';

export interface SessionIo {
  readonly tty: boolean;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** How a session ended: the command's exit status, or why there is none. */
export type SessionEnd = { readonly exitCode: number } | { readonly error: string };

export function bridgeSession(socket: Duplex, io: SessionIo): Promise<SessionEnd> {
  return new Promise((resolve) => {
    let end: SessionEnd | undefined;
    const decoder = new FrameDecoder();
    const raw = io.tty && io.stdin.isTTY === true;
    if (raw) io.stdin.setRawMode(true);
    const onInput = (chunk: Buffer): void => void socket.write(encodeFrame(FrameType.STDIN, chunk));
    const onInputEnd = (): void => void (socket.writable && socket.write(encodeFrame(FrameType.STDIN_EOF)));
    const onResize = (): void => void socket.write(resizeFrame(io.stdout.rows ?? 0, io.stdout.columns ?? 0));
    io.stdin.on('data', onInput);
    io.stdin.once('end', onInputEnd);
    if (io.tty) io.stdout.on('resize', onResize);
    io.stdin.resume();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.type === FrameType.STDOUT) io.stdout.write(f.payload);
          else if (f.type === FrameType.STDERR) io.stderr.write(f.payload);
          else if (f.type === FrameType.EXIT) end ??= { exitCode: readExit(f.payload) };
          else if (f.type === FrameType.ERROR) end ??= { error: f.payload.toString('utf8') };
        }
      } catch (err) {
        end ??= { error: `the session sent something that is not an exec frame (${(err as Error).message})` };
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      end ??= { error: `the session's connection failed: ${err.message}` };
    });
    socket.once('close', () => {
      io.stdin.off('data', onInput);
      io.stdin.off('end', onInputEnd);
      io.stdout.off('resize', onResize);
      if (raw) io.stdin.setRawMode(false);
      io.stdin.pause();
      resolve(end ?? { error: 'the session ended before the command did' });
    });
  });
}
