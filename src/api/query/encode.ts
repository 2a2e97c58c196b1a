/**
 * Encodes results and errors as Query-protocol XML, in the flavour the model's `metadata.protocol`
 * names. Both put structure members under their `locationName` (else the member name), lists as
 * `<name><member>…</member></name>` (the list member's locationName replaces `member`: EC2's is
 * `item`), booleans `true`/`false`, and leave absent members out.
 *
 * - `ec2`: `<XxxResponse xmlns=…><requestId>…</requestId>…members…</XxxResponse>`, timestamps with
 *   milliseconds; errors in `<Response><Errors><Error>`.
 * - `query` (IAM, STS): `<XxxResponse xmlns=…><XxxResult>…members…</XxxResult><ResponseMetadata>
 *   <RequestId>…</RequestId></ResponseMetadata></XxxResponse>` (the output's `resultWrapper`),
 *   flattened lists repeat their element, maps are `<entry><key/><value/></entry>`, timestamps are
 *   ISO 8601 to the second; errors in `<ErrorResponse><Error><Type>Sender|Receiver</Type>…`.
 */
import type { ServiceModel, Shape } from '../model/service-model.js';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function encodeResponse(
  model: ServiceModel, operation: string, namespace: string, requestId: string, result: Record<string, unknown> | undefined,
): string {
  const output = model.outputShapeName(operation);
  if (model.protocol === 'query') {
    const wrapper = model.operation(operation)?.resultWrapper;
    const members = output === undefined ? '' : encodeMembers(model, shapeOf(model, output), result ?? {}, true);
    const body = wrapper === undefined ? members : `<${wrapper}>${members}</${wrapper}>`;
    return `${XML_DECLARATION}<${operation}Response xmlns="${namespace}">${output === undefined ? '' : body}`
      + `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${operation}Response>`;
  }
  let body: string;
  if (output === undefined) body = '<return>true</return>';
  else body = encodeMembers(model, shapeOf(model, output), result ?? {}, false);
  return `${XML_DECLARATION}<${operation}Response xmlns="${namespace}"><requestId>${escapeXml(requestId)}</requestId>${body}</${operation}Response>`;
}

/** EC2's error envelope. */
export function encodeError(code: string, message: string, requestId: string): string {
  return `${XML_DECLARATION}<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>`
    + `<RequestID>${escapeXml(requestId)}</RequestID></Response>`;
}

/** The `query` flavour's error envelope: `Sender` for the caller's faults, `Receiver` for ours. */
export function encodeErrorResponse(namespace: string, fault: 'client' | 'server', code: string, message: string, requestId: string): string {
  return `${XML_DECLARATION}<ErrorResponse xmlns="${namespace}"><Error><Type>${fault === 'server' ? 'Receiver' : 'Sender'}</Type>`
    + `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`
    + `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shape(name);
  if (!shape) throw new Error(`service model has no shape '${name}'`);
  return shape;
}

/** `query` marks the plain-query flavour (flattened lists, maps, timestamps to the second). */
function encodeMembers(model: ServiceModel, shape: Shape, value: Record<string, unknown>, query: boolean): string {
  if (shape.type !== 'structure') throw new Error('encodeMembers needs a structure shape');
  let out = '';
  for (const [member, ref] of Object.entries(shape.members)) {
    const v = value[member];
    if (v === undefined || v === null) continue;
    const flattened = query && ((ref as { flattened?: boolean }).flattened === true);
    out += encodeValue(model, ref.shape, ref.locationName ?? member, v, query, flattened);
  }
  return out;
}

function encodeValue(model: ServiceModel, shapeName: string, tag: string, v: unknown, query: boolean, flattenedRef = false): string {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure':
      return `<${tag}>${encodeMembers(model, shape, v as Record<string, unknown>, query)}</${tag}>`;
    case 'list': {
      if (query && (flattenedRef || (shape as { flattened?: boolean }).flattened === true)) {
        const each = shape.member.locationName ?? tag;
        return (v as unknown[]).map((x) => encodeValue(model, shape.member.shape, each, x, query)).join('');
      }
      const item = shape.member.locationName ?? 'member';
      const items = (v as unknown[]).map((x) => encodeValue(model, shape.member.shape, item, x, query)).join('');
      return items === '' ? `<${tag}/>` : `<${tag}>${items}</${tag}>`;
    }
    case 'map': {
      const k = shape.key.locationName ?? 'key';
      const val = shape.value.locationName ?? 'value';
      const entries = Object.entries(v as Record<string, unknown>).map(([key, x]) =>
        `<entry>${encodeValue(model, shape.key.shape, k, key, query)}${encodeValue(model, shape.value.shape, val, x, query)}</entry>`).join('');
      return `<${tag}>${entries}</${tag}>`;
    }
    case 'timestamp': {
      const iso = typeof v === 'number' ? new Date(v).toISOString() : v instanceof Date ? v.toISOString() : String(v);
      return `<${tag}>${query ? iso.replace(/\.\d{3}Z$/, 'Z') : iso}</${tag}>`;
    }
    case 'boolean':
      return `<${tag}>${v ? 'true' : 'false'}</${tag}>`;
    default:
      return `<${tag}>${escapeXml(String(v))}</${tag}>`;
  }
}
