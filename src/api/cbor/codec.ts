/**
 * CBOR for the Smithy RPC v2 CBOR protocol, on cborg (RFC 8949, strict, no dependencies, kept by
 * the IPLD maintainers): what Pier needs beyond plain values is tag 1 (epoch-seconds timestamps)
 * both ways. Decoding turns tag 1 into a Date; encoding writes every Date as tag 1 over its epoch
 * seconds (an integer when whole, else a double). Indefinite-length maps and arrays are accepted;
 * indefinite-length strings are not (cborg refuses them, and no AWS SDK sends them: the JS, Go and
 * Python serializers write definite lengths). `undefined` members are left out on encode.
 */
import { decode, encode, Token, Type } from 'cborg';

export class CborDecodeError extends Error {}

function epochTag(inner: () => unknown): Date {
  const v = inner();
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CborDecodeError('tag 1 must hold a number of epoch seconds');
  return new Date(v * 1000);
}

export function decodeCbor(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    const tags: ((inner: () => unknown) => unknown)[] = [];
    tags[1] = epochTag;
    return decode(bytes, { tags, allowUndefined: true, coerceUndefinedToNull: true, useMaps: false });
  } catch (err) {
    throw new CborDecodeError(err instanceof Error ? err.message : String(err));
  }
}

export function encodeCbor(value: unknown): Uint8Array {
  return encode(value, {
    ignoreUndefinedProperties: true,
    typeEncoders: {
      Date: (d: unknown) => {
        const seconds = (d as Date).getTime() / 1000;
        return [new Token(Type.tag, 1), Number.isInteger(seconds) ? new Token(seconds < 0 ? Type.negint : Type.uint, seconds) : new Token(Type.float, seconds)];
      },
    },
  });
}
