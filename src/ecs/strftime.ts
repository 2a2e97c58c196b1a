/**
 * `awslogs-datetime-format` (strftime, as Docker's awslogs driver reads it) to a regular expression
 * that matches a line starting with such a timestamp: the start of a new multi-line event.
 */
const MONTHS = 'Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?';
const DAYS = 'Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?';

const DIRECTIVES: Record<string, string> = {
  a: `(?:${DAYS})`, A: `(?:${DAYS})`,
  b: `(?:${MONTHS})`, B: `(?:${MONTHS})`, h: `(?:${MONTHS})`,
  d: '(?:0[1-9]|[12]\\d|3[01])', e: '(?: [1-9]|[12]\\d|3[01])',
  H: '(?:[01]\\d|2[0-3])', I: '(?:0[1-9]|1[0-2])',
  j: '(?:[0-2]\\d\\d|3[0-5]\\d|36[0-6])',
  m: '(?:0[1-9]|1[0-2])', M: '[0-5]\\d', S: '(?:[0-5]\\d|60)',
  L: '\\d{3}', f: '\\d{1,9}',
  p: '(?:AM|PM|am|pm)',
  U: '(?:[0-4]\\d|5[0-3])', W: '(?:[0-4]\\d|5[0-3])', w: '[0-6]',
  y: '\\d{2}', Y: '\\d{4}',
  z: '(?:Z|[+-]\\d{2}:?\\d{2})', Z: '[A-Za-z]{1,5}',
};
const COMPOSITES: Record<string, string> = { T: '%H:%M:%S', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M' };

export class DatetimeFormatError extends Error {}

export function datetimeFormatRegex(format: string): RegExp {
  let out = '^';
  const expanded = format.replace(/%([TDFR])/g, (_, c: string) => COMPOSITES[c]!);
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded[i]!;
    if (ch !== '%') {
      out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      continue;
    }
    const d = expanded[++i];
    if (d === '%') out += '%';
    else if (d !== undefined && DIRECTIVES[d] !== undefined) out += DIRECTIVES[d];
    else throw new DatetimeFormatError(`awslogs-datetime-format: unsupported directive %${d ?? ''} in '${format}'`);
  }
  return new RegExp(out);
}
