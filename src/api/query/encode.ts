/**
 * Encodes results and errors as EC2 Query-protocol XML: `<XxxResponse xmlns=…>` with `requestId`,
 * structure members under their `locationName`, lists as `<name><item>…</item></name>` (the list
 * member's locationName), booleans `true`/`false`, timestamps ISO 8601. Absent members are left out.
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
  let body: string;
  if (output === undefined) body = '<return>true</return>';
  else body = encodeMembers(model, shapeOf(model, output), result ?? {});
  return `${XML_DECLARATION}<${operation}Response xmlns="${namespace}"><requestId>${escapeXml(requestId)}</requestId>${body}</${operation}Response>`;
}

export function encodeError(code: string, message: string, requestId: string): string {
  return `${XML_DECLARATION}<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>`
    + `<RequestID>${escapeXml(requestId)}</RequestID></Response>`;
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shape(name);
  if (!shape) throw new Error(`service model has no shape '${name}'`);
  return shape;
}

function encodeMembers(model: ServiceModel, shape: Shape, value: Record<string, unknown>): string {
  if (shape.type !== 'structure') throw new Error('encodeMembers needs a structure shape');
  let out = '';
  for (const [member, ref] of Object.entries(shape.members)) {
    const v = value[member];
    if (v === undefined || v === null) continue;
    out += encodeValue(model, ref.shape, ref.locationName ?? member, v);
  }
  return out;
}

function encodeValue(model: ServiceModel, shapeName: string, tag: string, v: unknown): string {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure':
      return `<${tag}>${encodeMembers(model, shape, v as Record<string, unknown>)}</${tag}>`;
    case 'list': {
      const item = shape.member.locationName ?? 'member';
      const items = (v as unknown[]).map((x) => encodeValue(model, shape.member.shape, item, x)).join('');
      return items === '' ? `<${tag}/>` : `<${tag}>${items}</${tag}>`;
    }
    case 'timestamp': {
      const iso = typeof v === 'number' ? new Date(v).toISOString() : v instanceof Date ? v.toISOString() : String(v);
      return `<${tag}>${iso}</${tag}>`;
    }
    case 'boolean':
      return `<${tag}>${v ? 'true' : 'false'}</${tag}>`;
    default:
      return `<${tag}>${escapeXml(String(v))}</${tag}>`;
  }
}
